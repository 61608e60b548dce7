#!/usr/bin/env bash
# Second command of the README: install what the tests need, start PostgreSQL, run every check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh test
scripts/xmpp-clients.sh
scripts/web-browser.sh
source scripts/postgres.sh
export PATH="$PWD/.venv/bin:$PATH"
# The static checks run beside the tests (the tests spend much of their time waiting on
# sockets and the browser); their output follows the tests', and either failing fails the run.
checks_log="$(mktemp)"  # removed below; no trap of its own: scripts/postgres.sh's EXIT trap stops PostgreSQL
(
  set -e
  echo "== ruff format" && ruff format --check src tests bench
  echo "== ruff check" && ruff check src tests bench
  echo "== mypy" && mypy
  echo "== import contracts" && lint-imports
) >"$checks_log" 2>&1 &
checks=$!
# Two test files at a time (one per core on the 2-core reference machine; each test process
# keeps its own servers, tests/conftest.py): ROOST_TEST_WORKERS=0 runs them one by one.
status=0
echo "== pytest" && pytest -q -p no:cacheprovider -n "${ROOST_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?
checked=0
wait "$checks" || checked=$?
cat "$checks_log"
rm -f "$checks_log"
[ "$checked" -eq 0 ] || echo "== static checks FAILED (exit $checked)"
[ "$status" -eq 0 ] || echo "== pytest FAILED (exit $status)"
[ "$checked" -eq 0 ] && [ "$status" -eq 0 ]
