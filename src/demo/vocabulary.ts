/** Names the demo documents are made of: registries, repositories, distros, packages, policy gates. */

export const ACCOUNT_NAMES = ['admin', 'acme-prod', 'acme-dev', 'globex', 'initech', 'umbrella', 'hooli'];

export const REGISTRIES = ['docker.io', 'quay.io', 'ghcr.io', 'registry.acme.example', 'gcr.io'];

export const REPOSITORIES = [
  'library/nginx',
  'library/alpine',
  'library/debian',
  'library/postgres',
  'library/redis',
  'library/python',
  'library/node',
  'library/golang',
  'acme/payments-api',
  'acme/web-frontend',
  'acme/batch-worker',
  'prometheus/node-exporter',
  'grafana/grafana',
  'bitnami/kafka',
  'jenkins/jenkins',
  'hashicorp/vault',
];

export const DISTROS = [
  { name: 'alpine', versions: ['3.17.6', '3.18.5', '3.19.1'], pkgType: 'APKG', flavor: 'ALPINE' },
  { name: 'debian', versions: ['11', '12'], pkgType: 'dpkg', flavor: 'DEB' },
  { name: 'ubuntu', versions: ['20.04', '22.04'], pkgType: 'dpkg', flavor: 'DEB' },
  { name: 'rhel', versions: ['8.9', '9.3'], pkgType: 'rpm', flavor: 'RHEL' },
] as const;

export const PACKAGES = [
  'openssl',
  'libssl3',
  'libcrypto3',
  'zlib',
  'busybox',
  'musl',
  'ca-certificates',
  'curl',
  'libcurl',
  'bash',
  'coreutils',
  'glibc',
  'libc6',
  'ncurses-libs',
  'readline',
  'sqlite-libs',
  'libxml2',
  'expat',
  'pcre2',
  'libffi',
  'gnutls',
  'krb5-libs',
  'openldap',
  'tzdata',
  'python3',
  'perl',
  'git',
  'nodejs',
  'libstdc++',
  'libgcc',
  'xz-libs',
  'bzip2',
  'gzip',
  'tar',
  'util-linux',
  'systemd-libs',
  'dbus',
  'libseccomp',
  'e2fsprogs',
  'shadow',
];

export const LANGUAGE_PACKAGES = {
  npm: ['express', 'lodash', 'react', 'axios', 'moment', 'debug', 'minimist', 'semver', 'chalk', 'ws'],
  python: ['requests', 'urllib3', 'django', 'flask', 'jinja2', 'pyyaml', 'cryptography', 'numpy', 'six'],
  java: ['log4j-core', 'jackson-databind', 'spring-core', 'guava', 'commons-text', 'netty-handler'],
  go: ['golang.org/x/net', 'golang.org/x/crypto', 'github.com/gin-gonic/gin', 'google.golang.org/grpc'],
} as const;

export const LICENSES = ['MIT', 'Apache-2.0', 'GPL-2.0-only', 'BSD-3-Clause', 'LGPL-2.1-or-later', 'MPL-2.0'];

// Non-ASCII on purpose: Anchore stores it as \uXXXX escapes (json.dumps), which the demo must reproduce.
export const MAINTAINERS = [
  'Natanael Copa <ncopa@alpinelinux.org>',
  'Debian OpenSSL Team <pkg-openssl-devel@lists.alioth.debian.org>',
  'José Álvarez <jose@example.org>',
  'Jürgen Müller <jm@example.de>',
  'Zoë Chen <zoe@example.net>',
  'Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>',
];

export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'] as const;

export const GATES = [
  { gate: 'vulnerabilities', trigger: 'package', params: { package_type: 'all', severity: 'high' } },
  { gate: 'dockerfile', trigger: 'instruction', params: { instruction: 'FROM', check: 'like' } },
  { gate: 'licenses', trigger: 'blacklist_exact_match', params: { licenses: 'GPL-3.0' } },
  { gate: 'secret_scans', trigger: 'content_regex_checks', params: { content_regex_name: 'AWS_ACCESS_KEY' } },
  { gate: 'packages', trigger: 'blacklist', params: { name: 'telnet' } },
  { gate: 'image_metadata', trigger: 'attribute', params: { attribute: 'size', check: '>' } },
];

export const FILE_DIRS = [
  '/usr/lib',
  '/usr/bin',
  '/usr/share/doc',
  '/etc',
  '/lib/apk/db',
  '/usr/local/lib/python3.11/site-packages',
  '/usr/lib/node_modules',
  '/opt/app',
  '/var/lib/dpkg/info',
];
