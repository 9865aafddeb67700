#!/usr/bin/env bash
# Make sure the services the backend test suites use are running, and print
# the environment variables that point the suites at them (eval the output).
# PostgreSQL and Redis are preinstalled on this machine kind; they are started
# here if they have stopped. Emulators (S3, Azure) are started by their own scripts.
set -euo pipefail

log() { echo "services: $*" >&2; }

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { log "Redis is not reachable on 127.0.0.1:6379"; exit 1; }

echo "export REGISTRY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test"
echo "export REGISTRY_TEST_REDIS_URL=redis://127.0.0.1:6379/"
