#!/usr/bin/env bash
# `make run`: migrate, load the demo data, and run web + Celery worker + Celery beat (+ the outbox
# relay with OUTBOX_RELAY=true) in the foreground. Ctrl-C stops them all. A worker, beat or relay
# that dies is reported and started again after RESTART_SECONDS; only the web server's end (or Ctrl-C) stops the script, so a crashed
# worker never takes the public pages down.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="${VAR_DIR:-var}"
mkdir -p "$VAR/mail"
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s "$VAR/secret_key" ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > "$VAR/secret_key"
  SECRET_KEY="$(cat "$VAR/secret_key")"
  export SECRET_KEY
fi
# Plain http on this machine: no HTTPS redirect or Secure-only cookies unless asked for.
export SECURE_HTTPS="${SECURE_HTTPS:-false}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://localhost:$PORT}"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py load_demo

RESTART_SECONDS="${RESTART_SECONDS:-2}"

# supervise NAME COMMAND...: runs COMMAND, and each time it exits says so and runs it again.
supervise() {
  local name="$1" status
  shift
  while true; do
    status=0
    "$@" || status=$?
    echo "run.sh: $name exited with status $status; starting it again in $RESTART_SECONDS s" >&2
    sleep "$RESTART_SECONDS"
  done
}

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --access-logfile - &
web=$!
supervise worker .venv/bin/celery -A config worker --loglevel INFO --concurrency 2 &
supervise beat .venv/bin/celery -A config beat --loglevel INFO --schedule "$VAR/celerybeat-schedule" &
# With OUTBOX_RELAY=true (PostgreSQL only) the relay, not the web process, hands new outbox rows over.
case "$(echo "${OUTBOX_RELAY:-false}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')" in
  true | 1 | yes | on) supervise relay .venv/bin/python manage.py outbox_relay & ;;
esac

cat <<MSG

  Samhandlingsforløp runs at $SITE_URL/nb/forlop/
  Editors log in at $SITE_URL/nb/logg-inn/ with password "demo":
    redaktor (responsible editor), lokal-fonna, lokal-bergen (local editors),
    ressurs-fonna-hf, ressurs-fonna-kommune, ressurs-bergen-hf, ressurs-bergen-kommune (resource group),
    radgiver-rkbu (adviser). Admin: $SITE_URL/admin/ (redaktor).
  E-mail is written to var/mail/. Ctrl-C stops web, worker and beat.

MSG
wait "$web"
