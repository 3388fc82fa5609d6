#!/usr/bin/env bash
# Installs every Debian package vtp needs to build, test and run the demo.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libavformat-dev libavcodec-dev libavfilter-dev libavutil-dev
  libswscale-dev libswresample-dev ffmpeg
  libgtest-dev libgmock-dev googletest
  nlohmann-json3-dev libsqlite3-dev sqlite3 libssl-dev
  python3 bsdutils time
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  libboost-dev libcurl4-openssl-dev curl
  chromium
  awscli
  postgresql libpq-dev redis-server libhiredis-dev
)

# PostgreSQL, Redis (servers and client libraries) are distributed mode's
# engines (docs/distributed.md); the tests start their own on loopback.
# awscli checks that objects the S3 blob store writes are readable by the
# reference client (tests/adapters/s3_blob_store_test.cc; the S3 server
# itself, s3rver, comes from npm: scripts/install-npm.sh).
# Node runs the resumable-upload client tests (tus-js-client from npm).
# A machine that already has node and npm (e.g. from NodeSource) keeps
# them: Debian's npm package conflicts with NodeSource's nodejs.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
