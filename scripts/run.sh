#!/usr/bin/env bash
# First command of the README: set up, initialise a data folder if there is none, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh runtime
if [ ! -f roost.toml ]; then
  .venv/bin/roost init
fi
exec .venv/bin/roost serve
