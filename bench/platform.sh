#!/usr/bin/env bash
# Platform benchmark (issue: cold start and signed-in home page).
#   bench/platform.sh            # SQLite and PostgreSQL
# Needs: a release build (built here), oha (cargo install oha), PostgreSQL running for the
# second half (scripts/test starts it), curl. Prints the figures reported in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
BIN=target/release/learnloop
PORT=${PORT:-18080}
BASE=http://127.0.0.1:$PORT
DURATION=${DURATION:-15s}
PG_ADMIN=${LEARNLOOP_TEST_PG:-postgres://learnloop:learnloop@127.0.0.1:5432/postgres}
command -v oha >/dev/null || { echo "install oha first: cargo install oha"; exit 2; }

cold_start() {
  local url=$1
  local t0 t1
  t0=$(date +%s%N)
  LEARNLOOP_LOG=warn LEARNLOOP_SECRET_KEY=bench-key-not-a-secret-0123456789abcdef $BIN serve --listen 127.0.0.1:$PORT --database-url "$url" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null $BASE/readyz; do sleep 0.005; done
  t1=$(date +%s%N)
  echo "cold start to /readyz 200: $(( (t1 - t0) / 1000000 )) ms"
  kill $pid; wait $pid 2>/dev/null || true
}

home_load() {
  local url=$1
  LEARNLOOP_LOG=warn LEARNLOOP_SECRET_KEY=bench-key-not-a-secret-0123456789abcdef $BIN serve --demo --demo-history-years 0 --listen 127.0.0.1:$PORT --database-url "$url" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null $BASE/readyz; do sleep 0.05; done
  local jar; jar=$(mktemp)
  curl -s -c "$jar" -b "$jar" -o /dev/null $BASE/sign-in
  local csrf; csrf=$(awk '$6=="ll_csrf"{print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null \
    --data-urlencode "csrf_token=$csrf" --data-urlencode "email=business.manager@northbrook.example" \
    --data-urlencode "password=demo-password-2026" --data-urlencode "next=/home" $BASE/sign-in
  local session; session=$(awk '$6=="ll_session"{print $7}' "$jar")
  test "$(curl -s -o /dev/null -w '%{http_code}' -b "ll_session=$session" $BASE/home)" = 200
  oha --no-tui -c 32 -z "$DURATION" -H "Cookie: ll_session=$session; ll_csrf=$csrf" $BASE/home > /tmp/oha.txt &
  local oha_pid=$!
  local peak=0
  while kill -0 $oha_pid 2>/dev/null; do
    local rss; rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  grep -E "Requests/sec|Success rate|50.00%|95.00%|99.00%" /tmp/oha.txt || cat /tmp/oha.txt
  grep -A3 "Status code distribution" /tmp/oha.txt || true
  echo "server resident memory, peak during the run: $(( peak / 1024 )) MB"
  kill $pid; wait $pid 2>/dev/null || true
  rm -f "$jar"
}

echo "### SQLite"
DB=$(mktemp -u /tmp/learnloop-bench-XXXX).db
cold_start "sqlite://$DB"
rm -f "$DB"*
home_load "sqlite://$DB"
rm -f "$DB"*

echo "### PostgreSQL"
NAME=ll_bench_$(date +%s)
psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
PGURL="${PG_ADMIN%/*}/$NAME"
cold_start "$PGURL"
psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
home_load "$PGURL"
psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
