#!/usr/bin/env bash
# Debian's Chromium, the headless browser the web client's end-to-end tests drive (tests/web/).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
