#!/usr/bin/env bash
# Runs the jest suites against a test stack of its own (own ports and data dir, so a running dev stack is left
# alone), and stops that stack afterwards even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."

export OBJECTSTORAGE_DATA_DIR="${OBJECTSTORAGE_TEST_DATA_DIR:-$PWD/.data/test-stack}"
export TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}"
export TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
export TEMPORAL_HTTP_PORT="${TEST_TEMPORAL_HTTP_PORT:-17243}"
export TEMPORAL_METRICS_PORT="${TEST_TEMPORAL_METRICS_PORT:-19233}"
export S3_PORT="${TEST_S3_PORT:-17070}"
# Swift uses SWIFT_PORT..+4; the default follows S3_PORT (17080) so test stacks with other ports never collide.
export SWIFT_PORT="${TEST_SWIFT_PORT:-$((S3_PORT + 10))}"
# SeaweedFS uses SEAWEED_PORT..+9, after Swift's (17090).
export SEAWEED_PORT="${TEST_SEAWEED_PORT:-$((S3_PORT + 20))}"
# The server suggests continue-as-new early, so tests exercise it (the production default is 4,096 events).
export TEMPORAL_DYNAMIC_CONFIG="limit.historyCount.suggestContinueAsNew=400"
export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
export OBJECTSTORAGE_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
# Set from this stack's ports, never inherited: a dev shell's value would point the tests at another stack.
export OBJECTSTORAGE_S3B_ENDPOINT="http://127.0.0.1:$SEAWEED_PORT"
# Node 20 is supported; the SDK's notice about its future Node 22 requirement is noise in test output.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

started=$(date +%s)
finish() {
  scripts/stack.sh down || true
  echo "[test] total $(($(date +%s) - started))s" >&2
}
trap finish EXIT
# A fresh test stack every run: workflows of earlier runs must not linger in the dev server's database.
scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$OBJECTSTORAGE_DATA_DIR"
scripts/stack.sh up >/dev/null
if [ $# -gt 0 ]; then
  npx jest --ci "$@"
else
  # The chaos run restarts Temporal and S3: never while other suites use them, so it runs alone, last.
  rc=0
  npx jest --ci --selectProjects unit integration || rc=$?
  npx jest --ci --selectProjects chaos || rc=$?
  exit $rc
fi
