/**
 * `rclone move --checksum --transfers 32` between two buckets of the bench's VersityGW, configured only through
 * RCLONE_CONFIG_* environment variables (no config file, no secret on the command line).
 */
import { spawn } from 'node:child_process';
import type { Stack } from './stack';

export interface RcloneRun {
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly args: string[];
  readonly stderrTail: string;
}

export function rcloneMove(stack: Stack, from: string, to: string, transfers: number): Promise<RcloneRun> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Other',
    RCLONE_CONFIG_BENCH_ENDPOINT: stack.s3Endpoint,
    RCLONE_CONFIG_BENCH_REGION: 'us-east-1',
    RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: stack.s3AccessKey,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: stack.s3SecretKey,
  };
  const args = ['move', '--checksum', '--transfers', String(transfers), `bench:${from}`, `bench:${to}`];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('rclone', [...args, '--stats', '0', '--log-level', 'NOTICE'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) =>
      resolve({
        exitCode: code,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
        args,
        stderrTail: stderr,
      }),
    );
  });
}
