#!/usr/bin/env bash
# Agenda assembly with ten years of data (issue: governance). For each engine: seed ten years of
# meetings, actions and escalations into the demo partnership, sign in as the business manager,
# then drive the page of the next meeting of the Learning and Improvement Subgroup — whose
# agenda is assembled from live data on every request — with oha at 32 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
cargo build --release -q --example seed_governance -p learnloop-store
BIN=target/release/learnloop
SEED=target/release/examples/seed_governance
PORT=${PORT:-18081}
BASE=http://127.0.0.1:$PORT
PG_ADMIN=${LEARNLOOP_TEST_PG:-postgres://learnloop:learnloop@127.0.0.1:5432/postgres}

run() {
  local url=$1
  $SEED "$url"
  LEARNLOOP_LOG=warn LEARNLOOP_SECRET_KEY=bench-key-not-a-secret-0123456789abcdef $BIN serve --listen 127.0.0.1:$PORT --database-url "$url" --files-dir "$(mktemp -d)" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null $BASE/readyz; do sleep 0.05; done
  local jar; jar=$(mktemp)
  curl -s -c "$jar" -b "$jar" -o /dev/null $BASE/sign-in
  local csrf; csrf=$(awk '$6=="ll_csrf"{print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=business.manager@northbrook.example" --data-urlencode "password=demo-password-2026" $BASE/sign-in
  local session; session=$(awk '$6=="ll_session"{print $7}' "$jar")
  local group; group=$(curl -s -b "ll_session=$session" $BASE/groups | grep -o '/groups/[0-9a-f-]*">Learning and Improvement' | head -1 | cut -d'"' -f1)
  local meeting; meeting=$(curl -s -b "ll_session=$session" "$BASE$group?page=1" | grep -o '/meetings/[0-9a-f]\{8\}-[0-9a-f-]*' | head -1)
  echo "page: $meeting (agenda not issued: assembled live)"
  curl -s -b "ll_session=$session" "$BASE$meeting" | grep -c 'Overdue action' | sed 's/^/overdue actions on the live agenda: /'
  for c in 1 32; do
    echo "-- $c connection(s)"
    oha --no-tui -c $c -z "${DURATION:-10s}" -H "Cookie: ll_session=$session" "$BASE$meeting" > /tmp/oha-agenda.txt
    grep -E "Requests/sec|Success rate|50.00%|95.00%|99.00%" /tmp/oha-agenda.txt
  done
  kill $pid; wait $pid 2>/dev/null || true
  rm -f "$jar"
}

echo "### SQLite"
DB=$(mktemp -u /tmp/learnloop-agenda-XXXX).db
run "sqlite://$DB"
rm -f "$DB"*
echo "### PostgreSQL"
NAME=ll_agenda_$(date +%s)
psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
run "${PG_ADMIN%/*}/$NAME"
psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
