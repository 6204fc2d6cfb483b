#!/usr/bin/env bash
# make serve-prod: the production stack on this machine – gunicorn with several workers,
# PostgreSQL (database remiss_prod) and Redis (rate limits), settings from the environment as
# in production (REMISS_ENV=production), the schema by `flask db upgrade` as on every release.
# Plain HTTP on 127.0.0.1:8000 (no TLS here: the reverse proxy does TLS in production, so the
# Secure cookie flag is switched off for this local run only).
set -euo pipefail
cd "$(dirname "$0")/.."

export REMISS_ENV=production
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/remiss_prod}"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0}"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-0}"
export MAIL_BACKEND="${MAIL_BACKEND:-console}"
export BIND="${BIND:-127.0.0.1:8000}"
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-4}"
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p instance
  [ -s instance/prod_secret_key ] || (umask 077 && python3 -c "import secrets; print(secrets.token_hex(32))" > instance/prod_secret_key)
  SECRET_KEY="$(cat instance/prod_secret_key)"
  export SECRET_KEY
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/remiss.log
fi
database="${DATABASE_URL##*/}"
psql -h 127.0.0.1 -U postgres -d postgres -qtc "SELECT 1 FROM pg_database WHERE datname = '${database}'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"${database}\""

.venv/bin/flask --app remiss db upgrade
exec .venv/bin/gunicorn -c deploy/gunicorn.conf.py "${WSGI_APP:-remiss:create_app()}"
