#!/usr/bin/env node
'use strict';
// Empties and deletes the demo's S3 bucket on the dev stack, so every `make demo` migrates into an empty
// destination (s3.yaml has create_bucket: true). Only buckets named anchore-demo* are touched.
//   usage: node demo/reset-s3-bucket.js BUCKET
//   env:   OBJECTSTORAGE_S3_ENDPOINT, ANCHORE_S3_ACCESS_KEY, ANCHORE_S3_SECRET_KEY (exported by scripts/demo.sh)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} = require('@aws-sdk/client-s3');

async function reset(bucket) {
  const s3 = new S3Client({
    endpoint: process.env.OBJECTSTORAGE_S3_ENDPOINT ?? 'http://127.0.0.1:7070',
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.ANCHORE_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.ANCHORE_S3_SECRET_KEY ?? '',
    },
  });
  let deleted = 0;
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const objects = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
      if (objects.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      deleted += objects.length;
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    console.error(`[demo] s3: deleted bucket ${bucket} (${deleted} objects)`);
  } catch (err) {
    if (err.name !== 'NoSuchBucket') throw err;
    console.error(`[demo] s3: bucket ${bucket} does not exist yet`);
  } finally {
    s3.destroy();
  }
}

const bucket = process.argv[2] ?? '';
if (!bucket.startsWith('anchore-demo')) {
  console.error('usage: node demo/reset-s3-bucket.js anchore-demo[...]  (only demo buckets are deleted)');
  process.exit(2);
}
reset(bucket).catch((err) => {
  console.error(`[demo] s3: cannot reset bucket ${bucket}: ${err.name}: ${err.message}`);
  process.exit(1);
});
