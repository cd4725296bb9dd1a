/** The question anchore-manager asks before it moves documents, asked the same way by every command that moves them. */
import { createInterface } from 'node:readline/promises';
import type { Output } from './output';

const QUESTION =
  'Performing this operation requires *all* anchore-engine services to be stopped - proceed? (y/N)';

/** Whether the operator answered y; no terminal (stdin closed) is a no. */
export async function confirmStopped(out: Output): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await Promise.race([
      rl.question(`${QUESTION} `),
      new Promise<string>((r) => rl.once('close', () => r(''))),
    ]);
    return answer.trim() === 'y' || answer.trim() === 'Y';
  } finally {
    rl.close();
    out.line('');
  }
}
