#!/usr/bin/env bash
# Runs the pytest suite against the real PostgreSQL and Redis when they answer. With CI=true they
# are required: an unreachable service fails the run instead of skipping tests.
set -uo pipefail
cd "$(dirname "$0")/.."
reachable() { .venv/bin/python -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2).close()" "$1" 2>/dev/null; }

# One database name per run, so that runs side by side (several checkouts, helpers) never collide;
# pytest-django creates test_forlop_<pid> and drops it at the end.
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/forlop_$$}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
if reachable 5432; then export DATABASE_URL="$TEST_POSTGRES_URL"; else
  [ "${CI:-}" = "true" ] && { echo "CI: PostgreSQL at 127.0.0.1:5432 is required but unreachable" >&2; exit 1; }
  echo "PostgreSQL unreachable: using SQLite, PostgreSQL-only tests are skipped" >&2
  unset DATABASE_URL
fi
if reachable 6379; then export REDIS_URL="$TEST_REDIS_URL"; else
  [ "${CI:-}" = "true" ] && { echo "CI: Redis at 127.0.0.1:6379 is required but unreachable" >&2; exit 1; }
  echo "Redis unreachable: Redis tests are skipped" >&2
  unset REDIS_URL
fi
export SECRET_KEY="test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export SECURE_HTTPS=false
export STATIC_MANIFEST=false
export CACHE_KEY_PREFIX="forlop-test-$$"
export VAR_DIR="${VAR_DIR:-$(mktemp -d)}"
mkdir -p "$VAR_DIR/static"
.venv/bin/python -m pytest "$@"
status=$?
[ "$status" -eq 5 ] && { echo "pytest collected no tests" >&2; exit 1; }
exit "$status"
