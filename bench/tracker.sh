#!/usr/bin/env bash
# The case review tracker with ten years of reviews of 150 partnerships (issue: case reviews).
# For each engine: seed 150 partnerships x 10 years x 16 cases (seed_reviews), sign in as the
# demo partnership's business manager, then drive the tracker unfiltered, filtered by theme,
# by type and stage, and by at-risk clocks, with oha at 1 and 32 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
cargo build --release -q --example seed_reviews -p learnloop-store
BIN=target/release/learnloop
SEED=target/release/examples/seed_reviews
PORT=${PORT:-18082}
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
  local theme; theme=$(curl -s -b "ll_session=$session" $BASE/reviews | grep -o '<option value="[0-9a-f-]\{36\}"' | head -1 | cut -d'"' -f2)
  for page in "/reviews" "/reviews?theme=$theme" "/reviews?type=lcspr&stage=closed" "/reviews?at-risk=yes"; do
    echo "page: $page — $(curl -s -b "ll_session=$session" "$BASE$page" | grep -o '[0-9,]* cases</caption>' | head -1)"
    for c in 1 32; do
      oha --no-tui -c $c -z "${DURATION:-10s}" -H "Cookie: ll_session=$session" "$BASE$page" > /tmp/oha-tracker.txt
      printf '  %2s conn: ' "$c"
      grep -E "Requests/sec|Success rate|50.00%|95.00%|99.00%" /tmp/oha-tracker.txt | tr -s ' ' | tr '\n' ' '
      echo
    done
  done
  echo "server resident memory: $(ps -o rss= -p $pid | awk '{printf "%.0f MB", $1/1024}')"
  kill $pid; wait $pid 2>/dev/null || true
  rm -f "$jar"
}

echo "### SQLite"
DB=$(mktemp -u /tmp/learnloop-tracker-XXXX).db
run "sqlite://$DB"
rm -f "$DB"*
echo "### PostgreSQL"
NAME=ll_tracker_$(date +%s)
psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
run "${PG_ADMIN%/*}/$NAME"
psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
