/**
 * A workflow and activities built to leak: their failures carry secrets in every place a failure has (message,
 * stack, cause, details) and the workflow's own failure a URL password, for the failure converter's tests.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';

export interface LeakyActivities {
  /** Throws a plain Error whose message and cause hold a registered secret. */
  leakPlain(): Promise<void>;
  /** Throws an ApplicationFailure whose message, details and cause hold it. */
  leakApplication(): Promise<void>;
}

const { leakPlain, leakApplication } = proxyActivities<LeakyActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

/** A URL with a password that only this workflow code holds (not its input): as a config could hold one. */
export const WORKFLOW_URL_PASSWORD = 'wf-only-8d1c2e';
const url = `postgresql://anchore:${WORKFLOW_URL_PASSWORD}@db.internal:5432/anchore`;

/** Runs both activities, then fails with the second one's failure as cause and a URL password in its message. */
export async function leakyWorkflow(): Promise<void> {
  try {
    await leakPlain();
  } catch {
    // expected: its failure is in the history already
  }
  try {
    await leakApplication();
  } catch (err) {
    throw ApplicationFailure.create({
      type: 'LeakyWorkflowFailed',
      message: `gave up on ${url}`,
      nonRetryable: true,
      details: [`while talking to ${url}`],
      cause: err as Error,
    });
  }
}
