/** The logical bytes of one demo document: what Anchore's manager is given to store. */
import { analysisArchive, grypeDb } from './blobs';
import {
  analysisData,
  imageContentData,
  imageSummaryData,
  manifestData,
  parentManifestData,
  queryData,
  syftSbom,
} from './image-documents';
import type { DemoDocSpec, DemoImage } from './plan';
import { contentImport, policyBundle, policyEvaluation, vulnerabilityScan } from './policy-documents';
import { demoDocumentEnvelope } from './python-json';
import { createRandom } from './random';

/** Builds the document `spec` describes; the bytes depend only on `seed` and the spec. */
export function buildDemoDocument(seed: string, spec: DemoDocSpec): Buffer {
  const rand = createRandom(seed, `doc:${spec.index}`);
  const size = spec.targetBytes;
  const image = (): DemoImage => {
    if (!spec.image) throw new Error(`demo spec ${spec.index} (${spec.bucket}) has no image`);
    return spec.image;
  };
  const tag = (): string => spec.tag ?? (image().tags[0] as string);
  switch (spec.bucket) {
    case 'grypedb':
      return grypeDb(rand, size);
    case 'analysis_archive':
      return analysisArchive(rand, image(), size);
    case 'analysis_data':
      return demoDocumentEnvelope(analysisData(rand, image(), size));
    case 'image_content_data':
      return demoDocumentEnvelope(imageContentData(rand, image(), size));
    case 'image_summary_data':
      return demoDocumentEnvelope(imageSummaryData(rand, image(), size));
    case 'manifest_data':
      return demoDocumentEnvelope(manifestData(rand, image(), size));
    case 'parent_manifest_data':
      return demoDocumentEnvelope(parentManifestData(rand, image(), size));
    case 'syft_sbom':
      return demoDocumentEnvelope(syftSbom(rand, image(), size));
    case 'query_data':
      return demoDocumentEnvelope(queryData(rand, image(), size));
    case 'vulnerability_scan':
      return demoDocumentEnvelope(vulnerabilityScan(rand, image(), tag(), size));
    case 'policy_evaluations':
      return demoDocumentEnvelope(policyEvaluation(rand, image(), tag(), size));
    case 'policy_bundles':
      return demoDocumentEnvelope(policyBundle(rand, spec.key, size));
    case 'image_content_imports':
      return demoDocumentEnvelope(contentImport(rand, size));
  }
}
