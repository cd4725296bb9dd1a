/**
 * A store that refuses objects one by one may instead have stopped serving us altogether: with a policy revoked
 * mid-run, AWS answers AccessDenied on every object, which reads like one document's KMS key or ACL. Before a
 * refusal fails any document, the store's self-check must still pass; when it does not, its error (bad
 * credentials, most often) stops the page like any store-wide fault and no document is failed for it.
 */
import type { ObjectStoreDriver } from '../drivers/types';

export class StoreRefusals {
  private confirmed: Promise<void> | undefined;

  constructor(
    private readonly store: ObjectStoreDriver,
    private readonly signal?: AbortSignal,
  ) {}

  /** Resolves when the store still serves its own probe (checked once per chunk); throws its error otherwise. */
  confirmOneDocument(): Promise<void> {
    this.confirmed ??= this.store.selfCheck({
      createDataDir: false,
      ...(this.signal ? { signal: this.signal } : {}),
    });
    return this.confirmed;
  }
}
