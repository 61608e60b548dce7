#!/usr/bin/env bash
# Create .venv and install Roost from the pinned lock file: `runtime` or `test` set.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-runtime}"
lock=requirements.lock
[ "$kind" = test ] && lock=requirements-test.lock
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "installing python3-venv (Debian)" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=".venv/.installed-$kind-$(sha256sum "$lock" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$lock"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  touch "$stamp"
fi
