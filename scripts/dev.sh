#!/usr/bin/env bash
# The README's two set-up commands:
#   scripts/dev.sh demo   the embedded default (SQLite, embedded Redis, sandbox, Dagster UI)
#   scripts/dev.sh test   the whole test suite
# Both create .venv and install the project into it first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv

ensure_env() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "socialsched needs Python 3.10 or newer (found $(python3 --version 2>&1))" >&2
    exit 1
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  # Reinstall when the dependencies change, not on every call.
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

case "${1:-}" in
  demo) shift; ensure_env; exec "$VENV/bin/socialsched" demo "$@" ;;
  # Two workers (pytest-xdist), one per core: most tests wait on processes and HTTP, and each
  # worker has its own Redis database and sandbox. SOCIALSCHED_TEST_WORKERS=0 runs serially.
  test) shift; ensure_env
    exec "$VENV/bin/python" -m pytest -n "${SOCIALSCHED_TEST_WORKERS:-2}" --dist worksteal "$@" ;;
  *) echo "usage: scripts/dev.sh demo|test [args]" >&2; exit 2 ;;
esac
