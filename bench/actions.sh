#!/usr/bin/env bash
# Action plans at national scale (issue: recommendations and actions). For each engine: seed
# 150 partnerships x 10 years x 500 actions (750,000; the demo partnership has 10,000), sign in
# as the demo business manager, drive the tracker (all, by theme, by theme and open, overdue)
# with oha at 1 and 32 connections, time the XLSX export of the demo partnership's 10,000
# actions, and time importing a 5,000-row CSV plan (check, then confirm).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
cargo build --release -q --example seed_actions -p learnloop-store
BIN=target/release/learnloop
SEED=target/release/examples/seed_actions
PORT=${PORT:-18083}
BASE=http://127.0.0.1:$PORT
PG_ADMIN=${LEARNLOOP_TEST_PG:-postgres://learnloop:learnloop@127.0.0.1:5432/postgres}

run() {
  local url=$1 sql=$2
  /usr/bin/time -f "seeded in %e s" $SEED "$url" | tail -1
  LEARNLOOP_LOG=warn LEARNLOOP_SECRET_KEY=bench-key-not-a-secret-0123456789abcdef $BIN serve --listen 127.0.0.1:$PORT --database-url "$url" --files-dir "$(mktemp -d)" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null $BASE/readyz; do sleep 0.05; done
  local jar; jar=$(mktemp)
  curl -s -c "$jar" -b "$jar" -o /dev/null $BASE/sign-in
  local csrf; csrf=$(awk '$6=="ll_csrf"{print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=business.manager@northbrook.example" --data-urlencode "password=demo-password-2026" $BASE/sign-in
  local session; session=$(awk '$6=="ll_session"{print $7}' "$jar")
  local q="SELECT g.theme_id FROM tagging g JOIN partnership p ON p.id = g.partnership_id WHERE p.slug = 'northbrook' AND g.target_kind = 'recommendation' GROUP BY g.theme_id ORDER BY COUNT(*) DESC, g.theme_id LIMIT 1"
  local theme; theme=$($sql "$q")
  echo "actions in the database: $($sql "SELECT COUNT(*) FROM action")"
  for page in "/actions" "/actions?theme=$theme" "/actions?theme=$theme&status=open" "/actions?rag=red" "/home"; do
    echo "page: $page — $(curl -s -b "ll_session=$session" "$BASE$page" | grep -o '[0-9,]* actions</caption>' | head -1)"
    for c in 1 32; do
      oha --no-tui -c $c -z "${DURATION:-10s}" -H "Cookie: ll_session=$session" "$BASE$page" > /tmp/oha-actions.txt
      printf '  %2s conn: ' "$c"
      grep -E "Requests/sec|Success rate|50.00%|95.00%|99.00%" /tmp/oha-actions.txt | tr -s ' ' | tr '\n' ' '
      echo
    done
  done
  for i in 1 2 3; do
    curl -s -b "ll_session=$session" -o /tmp/plan.xlsx -w "XLSX export: %{time_total} s, %{size_download} bytes\n" "$BASE/actions/export.xlsx"
  done
  # A 5,000-row plan for one of the demo partnership's reviews.
  local case; case=$($sql "SELECT c.id FROM case_review c JOIN partnership p ON p.id = c.partnership_id WHERE p.slug = 'northbrook' ORDER BY c.id LIMIT 1")
  local agency; agency=$($sql "SELECT a.name FROM agency a JOIN partnership p ON p.id = a.partnership_id WHERE p.slug = 'northbrook' AND a.active ORDER BY a.name LIMIT 1")
  python3 - "$agency" > /tmp/plan-5000.csv <<'PY'
import csv, sys
w = csv.writer(sys.stdout)
w.writerow(["Action", "Lead agency", "Owner", "Due date", "Success measure"])
for i in range(5000):
    w.writerow([f"Imported action {i}", sys.argv[1], "practitioner@northbrook.example", f"{1 + i % 28:02d}/0{1 + i % 9}/2027", "Re-audit"])
PY
  local token; token=$(awk '$6=="ll_csrf"{print $7}' "$jar")
  local t0; t0=$(date +%s.%N)
  local preview; preview=$(curl -s -b "$jar" -F "file=@/tmp/plan-5000.csv;type=text/csv" "$BASE/actions/import?source=case_review:$case&csrf_token=$token")
  local t1; t1=$(date +%s.%N)
  local file; file=$(echo "$preview" | grep -o 'name="file_id" value="[^"]*"' | cut -d'"' -f4)
  echo "$preview" | grep -o '[0-9,]* new actions ready to add' | head -1 || echo "preview: $(echo "$preview" | grep -o '[0-9,]* problems\? to fix' | head -1)"
  curl -s -b "$jar" -o /dev/null -w "confirm: HTTP %{http_code}\n" --data-urlencode "csrf_token=$token" \
    --data-urlencode "source=case_review:$case" --data-urlencode "file_id=$file" $BASE/actions/import/confirm
  local t2; t2=$(date +%s.%N)
  python3 -c "print(f'import of 5,000 rows: check {float($t1)-float($t0):.2f} s, confirm {float($t2)-float($t1):.2f} s, total {float($t2)-float($t0):.2f} s')"
  echo "server resident memory: $(ps -o rss= -p $pid | awk '{printf "%.0f MB", $1/1024}')"
  kill $pid; wait $pid 2>/dev/null || true
  rm -f "$jar"
}

echo "### SQLite"
DB=$(mktemp -u /tmp/learnloop-actions-XXXX).db
run "sqlite://$DB" "sqlite3 $DB"
rm -f "$DB"*
echo "### PostgreSQL"
NAME=ll_actions_$(date +%s)
psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
run "${PG_ADMIN%/*}/$NAME" "psql ${PG_ADMIN%/*}/$NAME -Atc"
psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
