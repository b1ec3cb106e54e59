#!/usr/bin/env bash
# pgMux benchmark: one PostgreSQL server, reached directly, through PgBouncer (session mode) and
# through pgMux, measured in interleaved rounds (A B C A B C ...) and reported as medians and
# ratios against the direct connection.
#
#   bench/run.sh            quick: 3 rounds of 10 s, COPY of 256 MB
#   bench/run.sh --full     5 rounds of 30 s, COPY of 1 GB
#
# Needs root (installs Debian's postgresql and pgbouncer when missing; runs the servers as the
# unprivileged user "postgres"). Everything listens on 127.0.0.1; everything started is stopped
# on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3 SECONDS_PER_RUN=10 COPY_MB=256 IDLE_SESSIONS=1000
if [ "${1:-}" = "--full" ]; then ROUNDS=5 SECONDS_PER_RUN=30 COPY_MB=1024; fi
CLIENTS=16
PG_PORT=55432 BOUNCER_PORT=55433 MUX_PORT=55434

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

if ! command -v pgbouncer >/dev/null || ! command -v bc >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql and pgbouncer"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql pgbouncer bc >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")

WORK=$(mktemp -d /tmp/pgmux-bench.XXXXXX)
chown postgres "$WORK"
MUX_PID="" BOUNCER_PID=""
cleanup() {
  [ -n "$MUX_PID" ] && kill "$MUX_PID" 2>/dev/null || true
  [ -n "$BOUNCER_PID" ] && kill "$BOUNCER_PID" 2>/dev/null || true
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=$((IDLE_SESSIONS + 100)) -c shared_buffers=256MB" \
  start >/dev/null
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
pgbench -i -s 10 -q -p "$PG_PORT" >/dev/null 2>&1

cat >"$WORK/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = session
max_client_conn = $((IDLE_SESSIONS + 100))
default_pool_size = $((IDLE_SESSIONS + 50))
unix_socket_dir =
logfile = $WORK/pgbouncer.log
EOF
echo '"postgres" ""' >"$WORK/userlist.txt"
chown postgres "$WORK"/pgbouncer.ini "$WORK"/userlist.txt
runuser -u postgres -- pgbouncer "$WORK/pgbouncer.ini" >/dev/null 2>&1 &
BOUNCER_PID=$!

if [ ! -f pgmux-core/target/pgmux-core-0.1.0.jar ]; then
  log "building pgmux-core"
  ./mvnw -q -pl pgmux-core package -DskipTests
fi
java -jar pgmux-core/target/pgmux-core-0.1.0.jar --listen "127.0.0.1:$MUX_PORT" \
  --route "postgres=127.0.0.1:$PG_PORT" --max-connections $((IDLE_SESSIONS + 100)) \
  >"$WORK/pgmux.log" 2>&1 &
MUX_PID=$!
for _ in $(seq 1 100); do
  grep -q "pgmux: listening" "$WORK/pgmux.log" 2>/dev/null && pg_isready -q -p "$BOUNCER_PORT" && break
  sleep 0.1
done

declare -A PORT=([direct]=$PG_PORT [pgbouncer]=$BOUNCER_PORT [pgmux]=$MUX_PORT)
TARGETS="direct pgbouncer pgmux"
RESULTS="$WORK/results"
: >"$RESULTS"

# One pgbench run: appends "metric target value" lines.
run_pgbench() { # name target args...
  local name=$1 target=$2; shift 2
  local out
  out=$(pgbench -n -p "${PORT[$target]}" -T "$SECONDS_PER_RUN" "$@" 2>&1)
  echo "$name.tps $target $(echo "$out" | awk '/^tps =/ {print $3; exit}')" >>"$RESULTS"
  local lat
  lat=$(echo "$out" | awk '/^latency average/ {print $4; exit}')
  [ -n "$lat" ] && echo "$name.latency_ms $target $lat" >>"$RESULTS"
  return 0
}

# Per-transaction latency p99 from a log: runs pgbench with --log into $WORK.
run_latency() { # target
  local target=$1 dir="$WORK/lat-$1"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && pgbench -n -S -p "${PORT[$target]}" -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" --log --log-prefix=tx >/dev/null 2>&1)
  local p99
  p99=$(cat "$dir"/tx* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.99)] / 1000}')
  echo "select.p99_ms $target $p99" >>"$RESULTS"
}

run_copy() { # target
  local target=$1 rows=$((COPY_MB * 1024 * 1024 / 100)) t0 t1
  psql -q -p "$PG_PORT" -c "DROP TABLE IF EXISTS bulk_in; CREATE UNLOGGED TABLE bulk_in (t text)" >/dev/null
  t0=$(date +%s.%N)
  psql -q -p "${PORT[$target]}" -c "\\copy (SELECT repeat('x', 95) || i FROM generate_series(1, $rows) i) TO STDOUT" >"$WORK/copy.txt"
  t1=$(date +%s.%N)
  echo "copy_out.MB_s $target $(echo "$COPY_MB / ($t1 - $t0)" | bc -l)" >>"$RESULTS"
  t0=$(date +%s.%N)
  psql -q -p "${PORT[$target]}" -c "\\copy bulk_in FROM '$WORK/copy.txt'" >/dev/null
  t1=$(date +%s.%N)
  echo "copy_in.MB_s $target $(echo "$COPY_MB / ($t1 - $t0)" | bc -l)" >>"$RESULTS"
  rm -f "$WORK/copy.txt"
}

for round in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    log "round $round/$ROUNDS: $target"
    run_pgbench select_simple "$target" -S -c "$CLIENTS" -j 2
    run_pgbench select_prepared "$target" -S -M prepared -c "$CLIENTS" -j 2
    run_pgbench connect "$target" -S -C -c "$CLIENTS" -j 2
    run_latency "$target"
    [ "$target" != pgbouncer ] && run_copy "$target"
  done
done

# Memory: pgMux's RSS with IDLE_SESSIONS sessions held open and idle (pgbench clients that sleep).
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$MUX_PID/status"; }
echo '\sleep 20 s' >"$WORK/idle.sql"
before=$(rss_kib)
pgbench -n -p "$MUX_PORT" -c "$IDLE_SESSIONS" -j 4 -t 1 -f "$WORK/idle.sql" >/dev/null 2>&1 &
IDLE=$!
for _ in $(seq 1 150); do
  n=$(psql -At -p "$PG_PORT" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
  [ "$n" -gt "$IDLE_SESSIONS" ] && break
  sleep 0.1
done
during=$(rss_kib)
wait "$IDLE" || true
echo "idle.sessions pgmux $n" >>"$RESULTS"
echo "idle.rss_kib_before pgmux $before" >>"$RESULTS"
echo "idle.rss_kib_with_sessions pgmux $during" >>"$RESULTS"
echo "idle.kib_per_session pgmux $(( (during - before) / IDLE_SESSIONS ))" >>"$RESULTS"

# The table: medians per metric and target, ratios against direct.
python3 - "$RESULTS" "$ROUNDS" "$SECONDS_PER_RUN" "$COPY_MB" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    metric, target, value = line.split()
    if value:
        rows[(metric, target)].append(float(value))
metrics = sorted({m for m, _ in rows})
print(f"\npgMux benchmark: {sys.argv[2]} interleaved rounds of {sys.argv[3]} s, COPY {sys.argv[4]} MB, medians\n")
print(f"| {'metric':<26} | {'direct':>10} | {'pgbouncer':>10} | {'pgmux':>10} | {'pgmux/direct':>12} | {'pgmux/bouncer':>13} |")
print(f"|{'-'*28}|{'-'*12}|{'-'*12}|{'-'*12}|{'-'*14}|{'-'*15}|")
for m in metrics:
    med = {t: statistics.median(rows[(m, t)]) for t in ("direct", "pgbouncer", "pgmux") if rows.get((m, t))}
    cell = lambda t: f"{med[t]:>10.2f}" if t in med else f"{'':>10}"
    ratio = lambda a, b: f"{med[a] / med[b]:.2f}" if a in med and b in med and med[b] else ""
    print(f"| {m:<26} | {cell('direct')} | {cell('pgbouncer')} | {cell('pgmux')} | {ratio('pgmux', 'direct'):>12} | {ratio('pgmux', 'pgbouncer'):>13} |")
PY
