#!/usr/bin/env bash
# Builds the Go tools of the dev stack from source, once, into a versioned cache outside the repository,
# so a clean clone (CI) reuses them and a fresh machine builds them. Prints what it does.
#   OBJECTSTORAGE_TOOLS_DIR  cache directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/anchore-objectstorage/bin)
# Prints nothing else on stdout but "name=path" lines for the tools, so callers may eval it.
set -euo pipefail

TOOLS_DIR="${OBJECTSTORAGE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/anchore-objectstorage/bin}"
mkdir -p "$TOOLS_DIR"
log() { printf '[ensure-tools] %s\n' "$*" >&2; }

# build NAME MODULE_PATH PACKAGE LDFLAGS_TEMPLATE VERSION...
# Tries each version in order (newest first) and links the first that builds as $TOOLS_DIR/NAME.
build() {
  local name=$1 module=$2 pkg=$3 ldflags_tpl=$4
  shift 4
  local version out work
  for version in "$@"; do
    out="$TOOLS_DIR/$name-${version#v}"
    if [ -x "$out" ]; then
      log "$name $version: cached at $out"
      ln -sf "$(basename "$out")" "$TOOLS_DIR/$name"
      echo "$name=$out"
      return 0
    fi
  done
  command -v go >/dev/null || { log "go is not installed; cannot build $name"; return 1; }
  for version in "$@"; do
    out="$TOOLS_DIR/$name-${version#v}"
    work=$(mktemp -d)
    log "$name $version: building $module/$pkg with go install (first build takes a few minutes)"
    local ldflags=${ldflags_tpl//@VERSION@/${version#v}}
    # GOSUMDB=off: older releases are not always in the checksum database served here.
    if (cd "$work" && CGO_ENABLED=0 GOSUMDB=off GOFLAGS=-buildvcs=false GOBIN="$work/bin" \
      go install -trimpath -ldflags "$ldflags" "$module/$pkg@$version" >&2); then
      mv "$work/bin/$(basename "$pkg")" "$out"
      rm -rf "$work"
      ln -sf "$(basename "$out")" "$TOOLS_DIR/$name"
      log "$name $version: built $out"
      echo "$name=$out"
      return 0
    fi
    rm -rf "$work"
    log "$name $version: build failed, trying the next older release"
  done
  log "$name: no version in [$*] could be built; see docs/dev-stack.md"
  return 1
}

# Temporal CLI dev server (embeds the Web UI). v1.6+ carries a replace directive and cannot be `go install`ed.
build temporal github.com/temporalio/cli cmd/temporal \
  "-s -w -X github.com/temporalio/cli/temporalcli.Version=@VERSION@" v1.5.1 v1.4.1 v1.3.0
# VersityGW S3 gateway (posix backend).
build versitygw github.com/versity/versitygw cmd/versitygw \
  "-s -w -X main.Version=v@VERSION@" v1.7.0 v1.6.0
# Toxiproxy server, for fault injection in tests (test/helpers/toxiproxy.ts). go install names it `server`.
build toxiproxy github.com/Shopify/toxiproxy/v2 cmd/server \
  "-s -w -X github.com/Shopify/toxiproxy/v2.Version=@VERSION@" v2.5.0 v2.4.0

# Helm, to lint and render our chart (deploy/helm) in make test.
build helm helm.sh/helm/v4 cmd/helm \
  "-s -w -X helm.sh/helm/v4/internal/version.version=v@VERSION@" v4.3.2 v4.3.1 v4.2.4

# build_in_module NAME MODULE PACKAGE VERSION: for modules whose go.mod has replace directives, which `go install
# pkg@version` refuses ("must not contain directives that would cause it to be interpreted differently than if it
# were the main module"): the same source from the module proxy, built as the main module in a scratch copy.
build_in_module() {
  local name=$1 module=$2 pkg=$3 version=$4
  local out="$TOOLS_DIR/$name-${version#v}" dir work
  if [ -x "$out" ]; then
    log "$name $version: cached at $out"
  else
    command -v go >/dev/null || { log "go is not installed; cannot build $name"; return 1; }
    log "$name $version: building $module/$pkg in the module itself (first build takes ten minutes or more)"
    dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod GOSUMDB=off go mod download -json "$module@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$dir" ] || { log "$name $version: go mod download failed"; return 1; }
    work=$(mktemp -d)
    cp -r "$dir/." "$work" && chmod -R u+w "$work"
    if ! (cd "$work" && CGO_ENABLED=0 GOSUMDB=off GOFLAGS="-buildvcs=false -mod=mod" \
      go build -trimpath -ldflags "-s -w" -o "$out.tmp" "./$pkg" >&2); then
      rm -rf "$work" "$out.tmp"
      log "$name $version: build failed"
      return 1
    fi
    rm -rf "$work"
    mv "$out.tmp" "$out"
    log "$name $version: built $out"
  fi
  ln -sf "$(basename "$out")" "$TOOLS_DIR/$name"
  echo "$name=$out"
}
# SeaweedFS, a second S3 server independent of VersityGW (the S3 conformance suite runs on both). Its go.mod
# replaces github.com/tyler-smith/go-bip39, so `go install …/weed@version` is refused; it is built in the module.
build_in_module weed github.com/seaweedfs/seaweedfs weed v0.0.0-20261109003541-7506e5f91cd6

# Debian packages the tests use: Chromium for the Temporal UI browser test, docker-compose to validate the
# compose file (no engine needed), rclone for the benchmark, OpenStack Swift + memcached for the Swift store
# (scripts/swift.sh). Installed when missing and we may (root); otherwise say what to run.
ensure_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && { log "debian packages: $* installed"; return 0; }
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  (apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; })
}
ensure_debian_packages chromium docker-compose rclone swift swift-proxy swift-object swift-container swift-account memcached curl stunnel4
