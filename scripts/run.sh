#!/usr/bin/env bash
# `make run`: migrate, load the demo data, and run web + Celery worker + Celery beat in the
# foreground. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/mail
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s var/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
# Plain http on this machine: no HTTPS redirect or Secure-only cookies unless asked for.
export SECURE_HTTPS="${SECURE_HTTPS:-false}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://localhost:$PORT}"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py load_demo

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --access-logfile - &
.venv/bin/celery -A config worker --loglevel INFO --concurrency 2 &
.venv/bin/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule &

cat <<MSG

  Samhandlingsforløp runs at $SITE_URL/nb/forlop/
  Editors log in at $SITE_URL/nb/logg-inn/ with password "demo":
    redaktor (responsible editor), lokal-fonna, lokal-bergen (local editors),
    ressurs-fonna-hf, ressurs-fonna-kommune, ressurs-bergen-hf, ressurs-bergen-kommune (resource group),
    radgiver-rkbu (adviser). Admin: $SITE_URL/admin/ (redaktor).
  E-mail is written to var/mail/. Ctrl-C stops web, worker and beat.

MSG
wait -n
