/**
 * A test file's World with an S3 behaviour proxy in front of the stack's VersityGW (started before its tests,
 * closed after them): for tests of S3 answers no local server gives.
 */
import { startS3BehaviourProxy, type S3BehaviourProxy } from './s3-behaviour-proxy';
import { stackEnv } from './stack-env';
import { createWorld, type World } from './world';

export interface ProxiedWorld {
  readonly world: World;
  readonly proxy: S3BehaviourProxy;
}

/** Registers beforeAll/afterAll; the returned object holds the world and the proxy once beforeAll ran. */
export function proxiedWorldPerFile(): ProxiedWorld {
  const ctx = {} as { world: World; proxy: S3BehaviourProxy };
  beforeAll(async () => {
    ctx.world = await createWorld();
    ctx.proxy = await startS3BehaviourProxy(stackEnv.s3Endpoint);
  });
  afterAll(async () => {
    await ctx.proxy?.close();
    await ctx.world?.close();
  });
  return ctx;
}
