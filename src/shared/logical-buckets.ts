/** Anchore's logical buckets (anchore-storage.md §5): the object store's, then the analysis archive's. */
export const LOGICAL_BUCKETS = [
  'analysis_data',
  'query_data',
  'image_content_data',
  'image_summary_data',
  'manifest_data',
  'parent_manifest_data',
  'syft_sbom',
  'vulnerability_scan',
  'policy_bundles',
  'policy_evaluations',
  'image_content_imports',
  'grypedb',
  'analysis_archive',
] as const;

export type LogicalBucket = (typeof LOGICAL_BUCKETS)[number];
