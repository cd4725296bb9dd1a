/** The catalog URL's password is a secret: register it so no output or log line can show it. */
import { registerSecret, urlPassword } from '../config';

export function registerDbPassword(url: string): void {
  const password = urlPassword(url.replace(/^postgres(ql)?\+[a-z0-9_]+:/i, 'postgresql:'));
  if (password) registerSecret(decodeURIComponent(password));
}
