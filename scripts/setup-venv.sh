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
  # The lock names every package at its version, so pip resolves nothing (--no-deps) and
  # `pip check` proves the set complete; the bytecode is compiled after, on every core
  # (pip compiles one file at a time: a third of a fresh clone's set-up).
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-compile -r "$lock"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-compile -e .
  .venv/bin/pip check >/dev/null || { .venv/bin/pip check; echo "the lock file misses a dependency" >&2; exit 1; }
  .venv/bin/python -m compileall -q -j 0 .venv/lib || echo "some installed files did not compile (no harm)" >&2
  touch "$stamp"
fi
# Roost's own bytecode, compiled here because a server or CLI start would otherwise compile
# every module again whenever Python does not write .pyc files (PYTHONDONTWRITEBYTECODE, as on
# the reference machine): about a second of each start. Up-to-date files are skipped.
.venv/bin/python -m compileall -q -j 0 src || true  # a speed-up only: a broken file shows where it is imported
