#!/usr/bin/env bash
# Debian's command-line XMPP clients that the interoperability tests drive (go-sendxmpp).
set -euo pipefail
if ! command -v go-sendxmpp >/dev/null 2>&1; then
  echo "installing go-sendxmpp (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq go-sendxmpp >/dev/null
fi
