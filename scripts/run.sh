#!/usr/bin/env bash
# First command of the README: set up, initialise a data folder if there is none, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh runtime
.venv/bin/roost init   # idempotent: makes only what is missing (config, data, certificate, first admin)
exec .venv/bin/roost serve
