/** A workflow run's history as the Temporal CLI prints it: the JSON replay reads, and what leak tests search. */
import { execFileSync } from 'node:child_process';
import { stackEnv, temporalBin } from './stack-env';

export function historyJson(workflowId: string, runId?: string): string {
  return execFileSync(
    temporalBin(),
    [
      'workflow',
      'show',
      '--address',
      stackEnv.temporalAddress,
      '--workflow-id',
      workflowId,
      ...(runId ? ['--run-id', runId] : []),
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
}
