#!/usr/bin/env bash
# One-shot job of docker-compose.yaml (temporalio/admin-tools image): registers the search attributes of
# src/shared/search-attributes.json ({"Name": "Type", ...}, mounted at $SEARCH_ATTRIBUTES_FILE) in the
# namespace, so that file stays the only list. Idempotent: attributes already registered with the same type
# are skipped; one registered with another type is an error (Temporal cannot change an attribute's type).
#   TEMPORAL_ADDRESS        frontend, read by the temporal CLI (e.g. temporal:7233)
#   TEMPORAL_NAMESPACE      [default]
#   SEARCH_ATTRIBUTES_FILE  [/etc/objectstorage/search-attributes.json]
#   WAIT_SECONDS            [300] how long to wait for the server and the namespace
set -euo pipefail

FILE="${SEARCH_ATTRIBUTES_FILE:-/etc/objectstorage/search-attributes.json}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
WAIT_SECONDS="${WAIT_SECONDS:-300}"

log() { printf '[search-attributes] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Name=Type lines of the JSON file $1, validated like scripts/stack.sh does (python3 ships in admin-tools).
wanted_attributes() {
  python3 - "$1" <<'PY'
import json, re, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    attrs = json.load(f)
if not isinstance(attrs, dict) or not attrs:
    sys.exit(f"{path}: expected a non-empty object {{\"Name\": \"Type\"}}")
types = {"Keyword", "Text", "Int", "Double", "Bool", "Datetime", "KeywordList"}
for name, kind in attrs.items():
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        sys.exit(f"{path}: invalid search attribute name {name!r}")
    if kind not in types:
        sys.exit(f"{path}: {name}: type must be one of {', '.join(sorted(types))}, got {kind!r}")
    print(f"{name}={kind}")
PY
}

# The Name=Type lines of $2 that `search-attribute list -o json` output $1 lacks; exits 2 on a type clash.
missing_attributes() {
  python3 - "$1" "$2" <<'PY'
import json, sys
current = json.loads(sys.argv[1]).get("customAttributes") or {}
norm = lambda t: str(t).replace("INDEXED_VALUE_TYPE_", "").replace("_", "").lower()
clash = False
for line in filter(None, sys.argv[2].splitlines()):
    name, kind = line.split("=", 1)
    if name not in current:
        print(line)
    elif norm(current[name]) != norm(kind):
        print(f"{name} is registered as {current[name]}, the JSON says {kind}", file=sys.stderr)
        clash = True
sys.exit(2 if clash else 0)
PY
}

wanted=$(wanted_attributes "$FILE") || die "invalid $FILE"

# The namespace exists once auto-setup has created it; until then listing fails.
registered=""
for ((waited = 0; waited < WAIT_SECONDS; waited += 2)); do
  registered=$(temporal operator search-attribute list --namespace "$NAMESPACE" -o json 2>/dev/null) && break
  registered=""
  sleep 2
done
[ -n "$registered" ] || die "no answer from Temporal at ${TEMPORAL_ADDRESS:-?} (namespace $NAMESPACE) in ${WAIT_SECONDS}s"

missing=$(missing_attributes "$registered" "$wanted") || die "registered types differ from $FILE (see above)"
if [ -z "$missing" ]; then
  log "namespace $NAMESPACE: all $(wc -l <<<"$wanted") search attributes already registered"
  exit 0
fi
while IFS='=' read -r name type; do
  log "namespace $NAMESPACE: creating $name ($type)"
  temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" >/dev/null ||
    die "could not create search attribute $name ($type)"
done <<<"$missing"
log "namespace $NAMESPACE: done"
