#!/usr/bin/env bash
# Debian's Chromium, the headless browser the web client's end-to-end tests drive (tests/web/),
# and a colour emoji font (the emoji picker and reactions; screenshots show boxes without one).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
