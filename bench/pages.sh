#!/usr/bin/env bash
# Every main page at national scale (issue: national scale). For each engine: generate ten
# years of data (SQLite: 1 partnership; PostgreSQL: 150) with the demo partnership first, start
# the server, sign in as each main role of the demo partnership, and drive each page with oha at
# 32 connections. Prints one table per engine: page, p50, p95, p99, requests/s, errors (answers
# other than 200), and the physical floor — the page's own database time beside its whole time,
# medians of 20 single requests read from the Server-Timing header — and the server's peak
# resident memory.
#
#   bench/pages.sh                    # both engines
#   ENGINES=sqlite bench/pages.sh     # one; DURATION=10s PARTNERSHIPS=150 to change the load
#   KEEP=1 ENGINES=postgres bench/pages.sh   # keep the generated database and reuse it next time
#   ONLY='case|meeting' bench/pages.sh       # only the pages whose label matches
#   BIN=/tmp/old-learnloop bench/pages.sh    # another build, to compare
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then # BIN=path/to/learnloop: measure that build instead
  cargo build --release -q
  BIN=target/release/learnloop
fi
PORT=${PORT:-18084}
BASE=http://127.0.0.1:$PORT
PG_ADMIN=${LEARNLOOP_TEST_PG:-postgres://learnloop:learnloop@127.0.0.1:5432/postgres}
DURATION=${DURATION:-10s}

declare -A SESSION

sign_in() { # email -> session cookie value
  local jar; jar=$(mktemp)
  curl -s -c "$jar" -b "$jar" -o /dev/null $BASE/sign-in
  local csrf; csrf=$(awk '$6=="ll_csrf"{print $7}' "$jar")
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "email=$1" --data-urlencode "password=demo-password-2026" $BASE/sign-in
  awk '$6=="ll_session"{print $7}' "$jar"
  rm -f "$jar"
}

first() { # role path pattern -> first match in the page
  curl -s -b "ll_session=${SESSION[$1]}" "$BASE$2" | (grep -o "$3" || true) | head -1
}

floor() { # role path -> "db_ms total_ms statements" medians of 20 requests
  for _ in $(seq 20); do
    curl -s -o /dev/null -D - -b "ll_session=${SESSION[$1]}" "$BASE$2" | tr -d '\r' | (grep -i '^server-timing:' || true) \
      | sed -E 's/.*db;dur=([0-9.]+);desc="([0-9]+) statements", total;dur=([0-9.]+).*/\1 \3 \2/'
  done | sort -n -k2 | awk '{a[NR]=$1; b[NR]=$2; c[NR]=$3} END {m=int((NR+1)/2); printf "%s %s %s\n", a[m], b[m], c[m]}'
}

drive() { # role path label
  local role=$1 path=$2 label=$3
  if [ -n "${ONLY:-}" ] && ! grep -qE "$ONLY" <<<"$label"; then return; fi
  # A short run first, not counted: the measured run starts with warm caches and connections.
  oha --no-tui -u ms -c 32 -z "${WARMUP:-2s}" -H "Cookie: ll_session=${SESSION[$role]}" "$BASE$path" > /dev/null
  oha --no-tui -u ms -c 32 -z "$DURATION" -H "Cookie: ll_session=${SESSION[$role]}" "$BASE$path" > /tmp/oha-page.txt
  local p50 p95 p99 rps errors
  p50=$(grep -E '^\s+50.00% in' /tmp/oha-page.txt | awk '{print $3}')
  p95=$(grep -E '^\s+95.00% in' /tmp/oha-page.txt | awk '{print $3}')
  p99=$(grep -E '^\s+99.00% in' /tmp/oha-page.txt | awk '{print $3}')
  rps=$(grep -E 'Requests/sec' /tmp/oha-page.txt | awk '{printf "%.0f", $2}')
  errors=$( (grep -E '^\s+\[[0-9]+\] [0-9]+ responses' /tmp/oha-page.txt || true) | (grep -v '\[200\]' || true) | awk '{s+=$2} END {print s+0}')
  # Connection errors, but not the requests still in flight when the run's time was up.
  errors=$((errors + $( (grep -E '^\s+\[[0-9]+\] ' /tmp/oha-page.txt || true) | (grep -v 'responses\|aborted due to deadline' || true) | awk '{gsub(/[][]/, "", $1); s+=$1} END {print s+0}')))
  read -r db total statements < <(floor "$role" "$path")
  local share; share=$(awk -v d="$db" -v t="$total" 'BEGIN {if (t > 0) printf "%.0f%%", 100*d/t; else print "-"}')
  printf '| %s | %s ms | %s ms | %s ms | %s | %s | %s ms (%s statements) | %s ms | %s |\n' \
    "$label" "$p50" "$p95" "$p99" "$rps" "$errors" "$db" "$statements" "$total" "$share"
}

run() {
  local url=$1 partnerships=$2
  local files=${FILES_DIR:-/tmp/learnloop-bench-files}
  if [ "${3:-}" != reuse ]; then
    /usr/bin/time -f "generated in %e s" $BIN generate --partnerships "$partnerships" --years 10 --seed 1 --demo \
      --database-url "$url" --files-dir "$files" | tail -2
  fi
  LEARNLOOP_LOG=warn LEARNLOOP_SECRET_KEY=bench-key-not-a-secret-0123456789abcdef $BIN serve --listen 127.0.0.1:$PORT --database-url "$url" --files-dir "$files" >/dev/null 2>&1 &
  local pid=$!
  until curl -sf -o /dev/null $BASE/readyz; do sleep 0.05; done
  for r in business.manager independent.chair group.chair agency.lead practitioner auditor; do
    SESSION[$r]=$(sign_in "$r@northbrook.example")
  done
  local case action meeting theme group audit ret cycle session course indicator
  case=$(first business.manager /reviews '/reviews/[0-9a-f-]\{36\}"' | tr -d '"')
  action=$(first business.manager '/actions?status=open' '/actions/[0-9a-f-]\{36\}"' | tr -d '"')
  group=$(first business.manager /groups '/groups/[0-9a-f-]\{36\}"' | tr -d '"')
  meeting=$(first business.manager "$group" '/meetings/[0-9a-f-]\{36\}"' | tr -d '"')
  theme=$(first business.manager /themes '/themes/[0-9a-f-]\{36\}' | sed 's#/themes/##')
  audit=$(first business.manager /audits '/audits/[0-9a-f-]\{36\}"' | tr -d '"')
  ret=$(first business.manager "$audit" '/returns/[0-9a-f-]\{36\}"' | tr -d '"')
  cycle=$(first business.manager /section11 '/section11/[0-9a-f-]\{36\}"' | tr -d '"')
  session=$(first business.manager /training '/training/sessions/[0-9a-f-]\{36\}"' | tr -d '"')
  course=$(first business.manager /training '/training/courses/[0-9a-f-]\{36\}"' | tr -d '"')
  indicator=$(first business.manager /performance '/performance/indicators/[0-9a-f-]\{36\}"' | tr -d '"')
  deep=$(first business.manager /performance/deep-dives '/performance/deep-dives/[0-9a-f-]\{36\}"' | tr -d '"')
  inspection=$(first business.manager /inspections '/inspections/[0-9a-f-]\{36\}"' | tr -d '"')
  cdop=$(first business.manager /child-deaths '/child-deaths/reports/[0-9a-f-]\{36\}"' | tr -d '"')
  event=$(first business.manager /voice '/voice/events/[0-9a-f-]\{36\}"' | tr -d '"')
  echo
  echo '| page | p50 | p95 | p99 | requests/s | errors | database time (median) | page time (median) | database share |'
  echo '|---|---|---|---|---|---|---|---|---|'
  drive business.manager /home "home (business team)"
  drive independent.chair /home "home (independent chair)"
  drive group.chair /home "home (group chair)"
  drive agency.lead /home "home (agency lead)"
  drive practitioner /home "home (practitioner)"
  drive business.manager /reviews "case review tracker"
  drive business.manager "$case" "case page"
  drive business.manager "$case/review" "review page"
  drive business.manager /actions "action tracker"
  drive business.manager "/actions?theme=$theme" "action tracker, one theme"
  drive agency.lead "/actions?owner=me" "my actions (agency lead)"
  drive business.manager "$action" "action page"
  drive business.manager "$group" "group page"
  drive business.manager "$meeting" "meeting page (live agenda)"
  drive business.manager /audits "audit programme"
  drive business.manager "$audit" "audit page"
  drive business.manager "$audit/workshop" "audit returns grid (workshop)"
  drive business.manager "$ret" "return page"
  drive auditor /home "home (auditor)"
  drive business.manager /section11 "Section 11 cycles"
  drive business.manager "$cycle" "Section 11 overview (cycle page)"
  drive business.manager /training "training programme"
  drive business.manager "$session" "training session with its bookings"
  drive business.manager "$course" "training course (evaluations and follow-up answers)"
  drive business.manager /training/report "training report (response rates by course and agency)"
  drive business.manager /training/needs "training needs assessment"
  drive agency.lead /training/agency "agency's bookings and attendance (agency lead)"
  drive business.manager /performance "performance dataset (about 60 small charts)"
  drive business.manager "$indicator" "indicator page (chart, trend, table)"
  drive business.manager /performance/deep-dives "deep dives"
  drive business.manager "$deep" "deep dive page (analyses, chart, recommendations)"
  drive business.manager /performance/returns "values from the agencies (who has sent theirs)"
  drive agency.lead /performance/return "quarterly values form (agency lead)"
  drive business.manager /inspections "inspections"
  drive business.manager "$inspection" "inspection page (report, recommendations, progress)"
  drive business.manager /child-deaths "learning from child deaths (reports, campaigns)"
  drive business.manager "$cdop" "the panel's annual report page"
  drive business.manager /voice "voice of children (priorities, events, audits' views, family involvement)"
  drive business.manager "$event" "youth-voice event page"
  drive practitioner /voice/you-said-we-did "you said, we did (practitioner)"
  drive business.manager /audit "audit trail (newest entries, with their values beside the chain)"
  drive business.manager /retention "retention and erasure (rules, this month's list, tombstones)"
  drive business.manager /settings/sign-in "single sign-on set-up"
  echo
  echo "server peak resident memory: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status)"
  kill $pid; wait $pid 2>/dev/null || true
}

for engine in ${ENGINES:-sqlite postgres}; do
  if [ "$engine" = sqlite ]; then
    echo "### SQLite, ${PARTNERSHIPS_SQLITE:-1} partnership × 10 years"
    DB=$(mktemp -u /tmp/learnloop-pages-XXXX).db
    run "sqlite://$DB" "${PARTNERSHIPS_SQLITE:-1}"
    rm -f "$DB"*
  else
    echo "### PostgreSQL, ${PARTNERSHIPS:-150} partnerships × 10 years"
    if [ -n "${KEEP:-}" ]; then
      # KEEP=1: generate once into a database that stays, and reuse it on the next run.
      NAME=ll_pages_${PARTNERSHIPS:-150}
      if [ -z "$(psql "$PG_ADMIN" -Atc "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" ]; then
        psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
        run "${PG_ADMIN%/*}/$NAME" "${PARTNERSHIPS:-150}"
      else
        run "${PG_ADMIN%/*}/$NAME" "${PARTNERSHIPS:-150}" reuse
      fi
    else
      NAME=ll_pages_$(date +%s)
      psql "$PG_ADMIN" -qc "CREATE DATABASE $NAME"
      run "${PG_ADMIN%/*}/$NAME" "${PARTNERSHIPS:-150}"
      psql "$PG_ADMIN" -qc "DROP DATABASE $NAME WITH (FORCE)"
    fi
  fi
done
