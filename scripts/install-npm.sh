#!/usr/bin/env bash
# Installs the Node packages of the client tests (tests/node: tus-js-client,
# shaka-player, hls.js, playwright-core, and s3rver, the S3 server of the S3
# blob store tests; pinned in package-lock.json) with
# `npm ci`. playwright-core downloads no browser: tests/node/drm_play.mjs
# drives Debian's /usr/bin/chromium (scripts/install-deps.sh). Idempotent:
# does nothing while tests/node/node_modules is newer than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=tests/node
LOCK=$DIR/package-lock.json
MODULES=$DIR/node_modules

if ! command -v npm >/dev/null; then
  echo "install-npm: npm is missing; run scripts/install-deps.sh first" >&2
  exit 1
fi

if [ -d "$MODULES" ] && [ ! "$LOCK" -nt "$MODULES" ]; then
  echo "install-npm: $MODULES is up to date"
  exit 0
fi

echo "install-npm: npm ci in $DIR"
npm ci --prefix "$DIR" --no-audit --no-fund
# npm ci may leave node_modules with an older mtime than the lock file it
# just installed from; mark it current so the next run is a no-op.
touch "$MODULES"
