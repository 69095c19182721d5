#!/usr/bin/env bash
# Everything but the final URL goes to stderr: the caller captures stdout.
# Starts the local PostgreSQL 15 cluster when it is down and (re)creates the test role and an
# empty test database. Prints the URL tests should use. Skipped when DATONG_TEST_DATABASE_URL
# already points at a server.
set -euo pipefail
log() { printf '\033[1;34m[postgres]\033[0m %s\n' "$*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing PostgreSQL"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(pg_lsclusters -h | awk 'NR==1{print $1}')
cluster=$(pg_lsclusters -h | awk 'NR==1{print $2}')
if [ -z "$version" ]; then
  log "creating a cluster"
  pg_createcluster 15 main >&2
  version=15; cluster=main
fi
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  log "starting cluster $version/$cluster"
  pg_ctlcluster "$version" "$cluster" start >&2
fi
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
for _ in $(seq 1 30); do psql_su "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='datong'")" != "1" ]; then
  log "creating role datong"
  psql_su "CREATE ROLE datong LOGIN SUPERUSER PASSWORD 'datong'"
fi
# A database of its own for every run, so parallel runs never collide. Databases of earlier
# runs are dropped unless a run is still connected to them (DROP then fails and they stay).
for old in $(psql_su "SELECT datname FROM pg_database WHERE datname LIKE 'datong_test_%'"); do
  psql_su "DROP DATABASE IF EXISTS $old" >/dev/null 2>&1 || true
done
db="datong_test_$(date +%s)_$$"
psql_su "CREATE DATABASE $db OWNER datong" >/dev/null
echo "postgres://datong:datong@127.0.0.1:5432/$db"
