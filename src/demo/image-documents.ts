/**
 * The per-image documents of Anchore's object store: analysis_data, image_content_data, image_summary_data,
 * manifest_data, parent_manifest_data, syft_sbom and query_data. Shapes follow Anchore's (trimmed), sizes
 * follow the spec's target.
 */
import { fill, fillJson, fillJsonObject, isoTime, languagePackage, osPackage, sha256, version } from './fill';
import type { DemoImage } from './plan';
import type { Random } from './random';
import { FILE_DIRS, PACKAGES } from './vocabulary';

function layers(rand: Random, n: number): string[] {
  return Array.from({ length: n }, () => sha256(rand));
}

/** analysis_data: the analyzer's export, a one-element list around `image.imagedata`. */
export function analysisData(rand: Random, image: DemoImage, targetBytes: number): unknown {
  const files = fillJsonObject(targetBytes * 0.55, (i) => [
    `${rand.pick(FILE_DIRS)}/${rand.pick(PACKAGES)}-${i}/${rand.hex(8)}.so`,
    rand.pick(['0o100755', '0o100644', '0o120777', '0o40755']),
  ]);
  const packages = fillJsonObject(targetBytes * 0.45, (i) => {
    const p = osPackage(rand, image, i);
    return [
      `${p.package}-${i}`,
      JSON.stringify({ version: p.version, license: p.license, origin: p.origin }),
    ];
  });
  return [
    {
      image: {
        imageId: image.imageId,
        imagedata: {
          analysis_report: {
            analyzer_meta: {
              analyzer_meta: {
                base: { DISTRO: image.distro, DISTROVERS: image.distroVersion, LIKEDISTRO: image.distro },
              },
            },
            file_list: { 'files.all': { base: files } },
            package_list: { 'pkgs.allinfo': { base: packages } },
          },
          image_report: {
            meta: { imageId: image.imageId, sizebytes: rand.int(5, 900) * 1_048_576, usertype: null },
            docker_data: {
              Architecture: 'amd64',
              Os: 'linux',
              RepoDigests: image.tags.map((t) => `${t.split(':')[0]}@${image.digest}`),
              RepoTags: image.tags,
            },
            layers: layers(rand, rand.int(1, 12)),
            analyzed_at: isoTime(image.analyzedAt),
          },
        },
      },
    },
  ];
}

/** image_content_data: content per type (os packages, files, language packages). */
export function imageContentData(rand: Random, image: DemoImage, targetBytes: number): unknown {
  return {
    os: fillJson(targetBytes * 0.5, (i) => osPackage(rand, image, i)),
    files: fillJson(targetBytes * 0.3, (i) => ({
      filename: `${rand.pick(FILE_DIRS)}/${rand.pick(PACKAGES)}-${i}.conf`,
      size: rand.int(0, 2_000_000),
      mode: rand.pick([33188, 33261, 41471]),
      sha256: rand.hex(64),
      type: 'file',
    })),
    npm: fillJson(targetBytes * 0.1, (i) => languagePackage(rand, 'npm', i)),
    python: fillJson(targetBytes * 0.05, (i) => languagePackage(rand, 'python', i)),
    java: fillJson(targetBytes * 0.05, (i) => languagePackage(rand, 'java', i)),
  };
}

/** image_summary_data: layers and the (guessed) Dockerfile. */
export function imageSummaryData(rand: Random, image: DemoImage, targetBytes: number): unknown {
  const layerInfo = fillJson(targetBytes * 0.8, () => ({
    layer: rand.hex(64),
    size: rand.int(100, 80_000_000),
    command: rand.pick(['/bin/sh -c #(nop) ADD file:', 'RUN apk add --no-cache', 'COPY . /app', 'ENV PATH=']),
  }));
  return {
    layer_info: layerInfo,
    dockerfile_mode: 'Guessed',
    dockerfile_contents: `FROM ${image.distro}:${image.distroVersion}\nRUN ${image.distro === 'alpine' ? 'apk add' : 'apt-get install -y'} curl\nCMD ["/bin/sh"]\n`,
    image_summary: {
      distro: image.distro,
      distro_version: image.distroVersion,
      image_size: rand.int(5, 900) * 1_048_576,
      layer_count: layerInfo.count,
      analyzed_at: isoTime(image.analyzedAt),
    },
  };
}

/** manifest_data: the registry's manifest text (a JSON string inside the document, as Anchore keeps it). */
export function manifestData(rand: Random, _image: DemoImage, targetBytes: number): unknown {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: rand.int(1_000, 20_000),
      digest: sha256(rand),
    },
    layers: fill(targetBytes, () => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: rand.int(100, 80_000_000),
      digest: sha256(rand),
    })),
  };
  return JSON.stringify(manifest, null, 3);
}

/** parent_manifest_data: the multi-arch manifest list (a JSON string). */
export function parentManifestData(rand: Random, image: DemoImage, targetBytes: number): unknown {
  const platforms = ['amd64', 'arm64', 'arm', 'ppc64le', 's390x', '386', 'riscv64'];
  const manifests = fill(targetBytes, (i) => ({
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    size: rand.int(500, 3_000),
    digest: i === 0 ? image.digest : sha256(rand),
    platform: { architecture: platforms[i % platforms.length], os: 'linux' },
  }));
  return JSON.stringify(
    { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests },
    null,
    3,
  );
}

/** syft_sbom: Syft's JSON format. */
export function syftSbom(rand: Random, image: DemoImage, targetBytes: number): unknown {
  const ids: string[] = [];
  const artifacts = fillJson(targetBytes * 0.75, (i) => {
    const p = osPackage(rand, image, i);
    ids.push(rand.hex(16));
    return {
      id: ids[i],
      name: p.package,
      version: p.version,
      type: image.distro === 'alpine' ? 'apk' : 'deb',
      foundBy: image.distro === 'alpine' ? 'apkdb-cataloger' : 'dpkgdb-cataloger',
      locations: [{ path: p.location, layerID: sha256(rand) }],
      licenses: [p.license],
      language: '',
      cpes: p.cpes,
      purl: p.purl,
    };
  });
  const relationships = fillJson(targetBytes * 0.25, () => ({
    parent: rand.pick(ids),
    child: rand.hex(16),
    type: 'contains',
  }));
  return {
    artifacts,
    artifactRelationships: relationships,
    source: { type: 'image', target: { userInput: image.tags[0], imageID: `sha256:${image.imageId}` } },
    distro: { name: image.distro, version: image.distroVersion, idLike: [image.distro] },
    descriptor: { name: 'syft', version: `0.${rand.int(80, 99)}.0` },
    schema: {
      version: '11.0.1',
      url: 'https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-11.0.1.json',
    },
  };
}

/** query_data: a stored query result table. */
export function queryData(rand: Random, image: DemoImage, targetBytes: number): unknown {
  return {
    imageDigest: image.digest,
    query_type: rand.pick(['list-packages-all', 'list-files-detail', 'show-pkg-versions']),
    result: {
      header: ['Package', 'Version', 'Type', 'Location'],
      rows: fillJson(targetBytes, (i) => {
        const p = osPackage(rand, image, i);
        return [p.package, p.version, p.type, p.location];
      }),
    },
    queried_at: isoTime(image.analyzedAt + rand.int(60, 86400)),
    engine_version: version(rand),
  };
}
