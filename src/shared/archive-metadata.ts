/**
 * The shape of Anchore's `archive_metadata` rows and the metadata operations its object-store manager needs:
 * types only, shared by the catalog (which implements them over PostgreSQL), the drivers' manager and tests.
 */

/** A row of archive_metadata. `size` is a bigint; pg returns it as a string, we parse it. */
export interface ArchiveMetadataRow {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly content_url: string | null;
  readonly is_compressed: boolean | null;
  readonly digest: string | null;
  readonly size: number | null;
  readonly created_at: number | null;
  readonly last_updated: number | null;
}

/** What a writer supplies; the rest follows Anchore's rules. */
export interface MetadataWrite {
  readonly userId: string;
  readonly bucket: string;
  readonly archiveId: string;
  readonly contentUrl: string;
  readonly isCompressed: boolean;
  readonly digest: string;
  readonly size: number;
}

/** The metadata operations the object-store manager needs; a Map-backed fake implements it in unit tests. */
export interface MetadataStore {
  get(userId: string, bucket: string, archiveId: string): Promise<ArchiveMetadataRow | undefined>;
  upsert(write: MetadataWrite): Promise<void>;
  delete(userId: string, bucket: string, archiveId: string): Promise<void>;
}
