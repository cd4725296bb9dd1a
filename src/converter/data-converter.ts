/**
 * The data converter the CLI's client and every worker use: failures scrubbed of secrets, and payloads encrypted
 * when OBJECTSTORAGE_PAYLOAD_KEY is set (docs/configuration.md, "Secrets in Temporal").
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './payload-codec';
import { payloadKeysFromEnv } from './payload-keys';

/**
 * The failure converter's module, by path as the SDK wants it; scripts/bundle-workflows.js gives the prebuilt
 * workflow bundle this same path, so workflows scrub their failures as workers and clients do.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter of this process's environment.
 * @throws ConfigError when a payload key is malformed or its file unreadable.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    payloadCodecs: [new EncryptionCodec(payloadKeysFromEnv(env))],
  };
}
