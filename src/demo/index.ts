/** Synthetic Anchore data for demos and benchmarks: deterministic, Anchore-shaped, written through our managers. */
export { ANALYSIS_ARCHIVE_BUCKET, DEMO_BUCKETS, demoAccounts, planDemoDocuments } from './plan';
export type { DemoBucket, DemoDocSpec, DemoImage, DemoPlanOptions } from './plan';
export { buildDemoDocument } from './documents';
export { writeDemoData } from './write';
export type { DemoBucketTotals, DemoStore, WriteDemoOptions } from './write';
export { verifyDemoData } from './verify';
export type { DemoVerifyResult, VerifyDemoOptions } from './verify';
export { metadataRowCount, storedBucketStats } from './catalog-stats';
export type { StoredBucketStats } from './catalog-stats';
export { DemoCatalogNotEmptyError, DemoVerifyFailedError } from '../errors';
export { dumpPythonJson } from './python-json';
