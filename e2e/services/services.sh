#!/usr/bin/env bash
# services.sh - real PostgreSQL and Redis from Debian packages, as private instances on loopback, for
# n8n's queue mode in the end-to-end tests (Redis = the queue, PostgreSQL = the database of main and
# workers) and for the demo's database. Runs as root on Debian 12 (like test/mailstack/mailstack.sh):
# installs the packages when missing, never touches the packages' own system instances.
#
# Usage:
#   services.sh start [postgres|redis|all]   install if missing, initialise under BASE, start (default all)
#   services.sh stop                         stop both (leaves BASE on disk)
#   services.sh status                       exit 0 if both are up
#   services.sh env                          print connection settings as shell vars
#   services.sh createdb NAME                a fresh, empty database NAME (dropped first if it exists)
#   services.sh dropdb NAME                  drop database NAME (no error if missing)
#   services.sh psql ARGS...                 psql as the superuser on the instance
#   services.sh redis-cli ARGS...            redis-cli on the instance
#
# Settings (environment): E2E_SERVICES_BASE (default /tmp/n8n-e2e-services), E2E_PG_PORT (15432),
# E2E_REDIS_PORT (16379). n8n connects as user postgres with any password (trust on loopback: a test
# instance that listens on 127.0.0.1 only).
#
# Tuned for tests, not for durability: fsync, synchronous_commit and full_page_writes are off in
# PostgreSQL and Redis keeps nothing on disk. n8n's behaviour does not depend on either.
set -euo pipefail

CMD=${1:-}; shift || true
BASE=$(realpath -m "${E2E_SERVICES_BASE:-/tmp/n8n-e2e-services}")
PG_PORT=${E2E_PG_PORT:-15432}
REDIS_PORT=${E2E_REDIS_PORT:-16379}
HOST=127.0.0.1
PG_DATA=$BASE/postgres/data
PG_SOCK=$BASE/postgres/run
PG_LOG=$BASE/postgres/postgres.log
REDIS_DIR=$BASE/redis
log() { printf '[services] %s\n' "$*" >&2; }

pg_bin() {
  # the newest PostgreSQL major installed by Debian's packages
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $dir && -x $dir/postgres ]] || return 1
  printf '%s' "$dir"
}

install_pkgs() {
  local need=()
  pg_bin >/dev/null || need+=(postgresql)
  command -v redis-server >/dev/null || need+=(redis-server)
  ((${#need[@]})) || return 0
  log "installing ${need[*]} from Debian"
  local t0=$SECONDS tmp_policy=0
  # keep the packages' own system services from starting (they would take 5432 / 6379)
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; tmp_policy=1
  fi
  if [[ -z $(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock) ]]; then apt-get update -q >/dev/null; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"${TMPDIR:-/tmp}/services-apt.log" 2>&1 \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >>"${TMPDIR:-/tmp}/services-apt.log" 2>&1; } \
    || { ((tmp_policy)) && rm -f /usr/sbin/policy-rc.d; log "apt-get install failed: see ${TMPDIR:-/tmp}/services-apt.log"; exit 1; }
  ((tmp_policy)) && rm -f /usr/sbin/policy-rc.d
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl disable --now postgresql.service redis-server.service >/dev/null 2>&1 || true
  fi
  log "packages installed in $((SECONDS - t0)) s"
}

as_postgres() { runuser -u postgres -- "$@"; }

pg_running() {
  local bin; bin=$(pg_bin) || return 1
  [[ -f $PG_DATA/postmaster.pid ]] && as_postgres "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

redis_running() {
  [[ -f $REDIS_DIR/redis.pid ]] && kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null
}

start_postgres() {
  local bin; bin=$(pg_bin)
  if pg_running; then log "postgres: already running on $HOST:$PG_PORT"; return 0; fi
  mkdir -p "$BASE/postgres" "$PG_SOCK"
  chmod 755 "$BASE" "$BASE/postgres"     # the postgres user must traverse it
  chown postgres:postgres "$BASE/postgres" "$PG_SOCK"
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    rm -rf "$PG_DATA"
    as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$BASE/postgres/initdb.log" 2>&1 \
      || { log "initdb failed: $BASE/postgres/initdb.log"; exit 1; }
  fi
  as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
    "-p $PG_PORT -k $PG_SOCK -c listen_addresses=$HOST -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
    || { log "postgres did not start: $PG_LOG"; tail -20 "$PG_LOG" >&2; exit 1; }
  log "postgres $("$bin/postgres" --version | awk '{print $3}'): $HOST:$PG_PORT (data $PG_DATA)"
}

start_redis() {
  if redis_running; then log "redis: already running on $HOST:$REDIS_PORT"; return 0; fi
  mkdir -p "$REDIS_DIR"
  # no persistence: the queue lives for one test run
  redis-server --bind "$HOST" --port "$REDIS_PORT" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
    --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" --save '' --appendonly no >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || { log "redis did not start: $REDIS_DIR/redis.log"; exit 1; }
  log "redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'): $HOST:$REDIS_PORT"
}

start() {
  local what=${1:-all}
  install_pkgs
  case $what in
    postgres) start_postgres ;;
    redis) start_redis ;;
    all) start_postgres; start_redis ;;
    *) log "start: unknown service '$what' (postgres, redis or all)"; exit 2 ;;
  esac
}

stop() {
  local bin
  if pg_running; then bin=$(pg_bin); as_postgres "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null; log "postgres stopped"; fi
  if redis_running; then
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do redis_running || break; sleep 0.1; done
    log "redis stopped"
  fi
}

status() {
  local rc=0
  if pg_running; then echo "postgres: running on $HOST:$PG_PORT"; else echo "postgres: stopped"; rc=1; fi
  if redis_running; then echo "redis: running on $HOST:$REDIS_PORT"; else echo "redis: stopped"; rc=1; fi
  return $rc
}

psql_admin() {
  local bin; bin=$(pg_bin)
  "$bin/psql" -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"
}

db_name_ok() { [[ $1 =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { log "database name '$1': lower-case letters, digits and _ only"; exit 2; }; }

case $CMD in
  start) start "${1:-all}" ;;
  stop) stop ;;
  status) status ;;
  env)
    printf 'E2E_SERVICES_BASE=%s\nE2E_PG_HOST=%s\nE2E_PG_PORT=%s\nE2E_PG_USER=postgres\nE2E_REDIS_HOST=%s\nE2E_REDIS_PORT=%s\n' \
      "$BASE" "$HOST" "$PG_PORT" "$HOST" "$REDIS_PORT" ;;
  createdb)
    name=${1:?usage: createdb NAME}; db_name_ok "$name"
    psql_admin -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" ;;
  dropdb)
    name=${1:?usage: dropdb NAME}; db_name_ok "$name"
    psql_admin -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" ;;
  psql) psql_admin "$@" ;;
  redis-cli) redis-cli -h "$HOST" -p "$REDIS_PORT" "$@" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
