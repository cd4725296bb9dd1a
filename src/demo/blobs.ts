/**
 * Raw (non-JSON) documents: grype DB blobs and analysis-archive tarballs. Both are gzip bytes, so the `db`
 * driver stores them base64-encoded (not valid UTF-8).
 */
import { isoTime } from './fill';
import { analysisData, imageContentData, manifestData, syftSbom } from './image-documents';
import type { DemoImage } from './plan';
import { DEMO_EPOCH } from './plan';
import { policyEvaluation, vulnerabilityScan } from './policy-documents';
import { demoDocumentEnvelope, dumpPythonJson } from './python-json';
import type { Random } from './random';
import { tarGz, type TarMember } from './tar';

/** grypedb: a tar.gz with the DB metadata and an (incompressible) SQLite file, like grype's DB archives. */
export function grypeDb(rand: Random, targetBytes: number): Buffer {
  const built = DEMO_EPOCH - rand.int(0, 30 * 86400);
  const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), rand.bytes(targetBytes)]);
  const metadata = { built: isoTime(built), version: 5, checksum: `sha256:${rand.hex(64)}` };
  return tarGz(
    [
      { name: 'metadata.json', data: Buffer.from(JSON.stringify(metadata)) },
      { name: 'vulnerability.db', data: sqlite },
    ],
    built,
  );
}

/**
 * analysis_archive: Anchore's archive tarball (`<digest>.tar.gz`) with the image's documents and an
 * `archive_manifest` listing them (anchore-storage.md §6).
 */
export function analysisArchive(rand: Random, image: DemoImage, targetBytes: number): Buffer {
  const archivedAt = image.analyzedAt + rand.int(86400, 90 * 86400);
  const evalId = rand.hex(32);
  const tag = image.tags[0] as string;
  const artifacts: Array<[string, string | null, Buffer]> = [
    ['analysis', 'analysis_data', demoDocumentEnvelope(analysisData(rand, image, targetBytes * 0.35))],
    [
      'image_content',
      'image_content_data',
      demoDocumentEnvelope(imageContentData(rand, image, targetBytes * 0.25)),
    ],
    ['image_manifest', 'manifest_data', demoDocumentEnvelope(manifestData(rand, image, 2048))],
    ['syft_sbom', 'syft_sbom', demoDocumentEnvelope(syftSbom(rand, image, targetBytes * 0.2))],
    ['vulnerabilities', null, demoDocumentEnvelope(vulnerabilityScan(rand, image, tag, targetBytes * 0.15))],
    [
      `policy_evaluation-${evalId}`,
      null,
      demoDocumentEnvelope(policyEvaluation(rand, image, tag, targetBytes * 0.05)),
    ],
  ];
  const manifest = {
    image_digest: image.digest,
    account: image.account,
    archived_at: isoTime(archivedAt),
    metadata: {
      versions: { service_version: '1.0.0', db_version: '0.0.16' },
      image_id: image.imageId,
      image_record: {
        imageDigest: image.digest,
        parentDigest: image.parentDigest ?? image.digest,
        analysis_status: 'analyzed',
      },
    },
    artifacts: artifacts.map(([name, bucket, data]) => ({
      name,
      metadata: { completed_at: isoTime(archivedAt), bytes_copied: data.length },
      source: bucket ? { bucket, key: image.digest } : null,
      dest: { tarfile_path: name },
    })),
  };
  const members: TarMember[] = artifacts.map(([name, , data]) => ({ name, data }));
  members.push({ name: 'archive_manifest', data: Buffer.from(dumpPythonJson(manifest), 'latin1') });
  return tarGz(members, archivedAt);
}
