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
# Two test files at a time (one per core on the 2-core reference machine; each file keeps
# its own server, so files never share state): ROOST_TEST_WORKERS=0 runs them one by one.
echo "== pytest" && pytest -q -p no:cacheprovider -n "${ROOST_TEST_WORKERS:-2}" --dist loadfile "$@"
