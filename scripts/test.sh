#!/usr/bin/env bash
# Second command of the README: install what the tests need, start PostgreSQL, run every check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh test
scripts/xmpp-clients.sh
scripts/web-browser.sh
source scripts/postgres.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff format" && ruff format --check src tests bench
echo "== ruff check" && ruff check src tests bench
echo "== mypy" && mypy
echo "== import contracts" && lint-imports
echo "== pytest" && pytest -q -p no:cacheprovider "$@"
