#!/usr/bin/env bash
# pgMux benchmark: one PostgreSQL server reached directly, through PgBouncer (session mode),
# through socat (a plain TCP relay: the floor for any proxy that adds a hop) and through pgMux,
# measured in interleaved rounds (A B C D A B C D ...) and reported as medians and as ratios.
#
#   bench/run.sh            quick: 3 rounds of 10 s, COPY of 256 MB, a storm of 2 000 TLS logins
#   bench/run.sh --full     5 rounds of 20 s, COPY of 1 GB, the storm three times
#
# pgMux runs as the README starts it, `java -jar pgmux-core.jar ...` with no JVM flags, and is
# measured after 10 s of warm-up load: the figures are what a user gets. BENCH_PGMUX_JAVA_OPTS
# adds JVM flags (to compare a tuned JVM), BENCH_PGMUX_OPTS pgMux options (to compare, say,
# --event-loops 1). Besides throughput and latency, each run of the
# proxies records their CPU time (user + system, from /proc) and context switches per
# transaction: on a small machine every hop's CPU is taken from the client and the server, so
# CPU per transaction is the proxy's own cost.
#
# Every server runs in a session of its own (setsid), as a daemon does: PostgreSQL's processes
# and PgBouncer with -d do so themselves. With the kernel's autogroup scheduling, a proxy left in
# the benchmark's session would share one CPU share with pgbench and be preempted by it.
#
# Needs root on Debian: installs postgresql, pgbouncer, socat and openssl when missing, and runs
# the servers as the unprivileged user "postgres". Everything listens on 127.0.0.1 on ports below
# the ephemeral range; everything started is stopped on exit. The table goes to standard output,
# progress to standard error, raw figures to bench/last-run.txt. BENCH_ROUNDS, BENCH_SECONDS and
# BENCH_BURST_CLIENTS override the mode's numbers; BENCH_JUNIT=false skips the JUnit timing.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3 SECONDS_PER_RUN=10 COPY_MB=256 BURST_ROUNDS=1
if [ "${1:-}" = "--full" ]; then ROUNDS=5 SECONDS_PER_RUN=20 COPY_MB=1024 BURST_ROUNDS=3; fi
ROUNDS=${BENCH_ROUNDS:-$ROUNDS} SECONDS_PER_RUN=${BENCH_SECONDS:-$SECONDS_PER_RUN}
CLIENTS=16 IDLE_SESSIONS=1000 BURST_CLIENTS=${BENCH_BURST_CLIENTS:-2000}
PGMUX_JAVA_OPTS=${BENCH_PGMUX_JAVA_OPTS:-}
read -r -a PGMUX_OPTS <<<"${BENCH_PGMUX_OPTS:-}"
PG_PORT=25432 BOUNCER_PORT=25433 RELAY_PORT=25434 MUX_PORT=25435 MEM_PORT=25436
BOUNCER_TLS_PORT=25443 MUX_TLS_PORT=25445

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

if ! command -v pgbouncer >/dev/null || ! command -v socat >/dev/null || ! command -v openssl >/dev/null \
  || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql, pgbouncer, socat and openssl"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql pgbouncer socat openssl >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # the burst holds thousands of sockets per process

if [ ! -f pgmux-core/target/pgmux-core-0.1.0.jar ] || [ ! -d "$HOME/.m2/repository/org/postgresql/postgresql" ]; then
  log "building pgmux-core and fetching pgjdbc"
  ./mvnw -q -pl pgmux-core -am install -DskipTests
fi
PGJDBC=$(ls "$HOME"/.m2/repository/org/postgresql/postgresql/*/postgresql-*.jar | grep -v sources | sort -V | tail -1)

WORK=$(mktemp -d /tmp/pgmux-bench.XXXXXX)
chown postgres "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits up to 15 s for a line in a log file.
await_line() { # file pattern
  for _ in $(seq 1 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  log "timed out waiting for '$2' in $1:"; cat "$1" >&2; exit 1
}

# --- the servers -------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
chown postgres "$WORK/key.pem" "$WORK/cert.pem"
chmod 600 "$WORK/key.pem"

MAX_CONNECTIONS=$(( (BURST_CLIENTS > IDLE_SESSIONS ? BURST_CLIENTS : IDLE_SESSIONS) + 200 ))
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK \
  -c listen_addresses=127.0.0.1 -c max_connections=$MAX_CONNECTIONS -c shared_buffers=256MB \
  -c ssl=on -c ssl_cert_file=$WORK/cert.pem -c ssl_key_file=$WORK/key.pem" start >/dev/null
# Plain connections everywhere but in the burst: libpq would otherwise prefer TLS where offered.
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres PGSSLMODE=disable
pgbench -i -s 10 -q -p "$PG_PORT" >/dev/null 2>&1
# A role that logs in with SCRAM-SHA-256, for the connection rate with a real authentication.
psql -q -p "$PG_PORT" -c "SET password_encryption = 'scram-sha-256'; CREATE ROLE scram LOGIN PASSWORD 'scram-bench';
  GRANT SELECT ON pgbench_accounts, pgbench_branches TO scram" >/dev/null
sed -i '1i host all scram 127.0.0.1/32 scram-sha-256' "$WORK/data/pg_hba.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" reload >/dev/null

printf '"postgres" ""\n"scram" "scram-bench"\n' >"$WORK/userlist.txt"
bouncer() { # name port
  cat >"$WORK/$1.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $2
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = session
max_client_conn = $MAX_CONNECTIONS
default_pool_size = $MAX_CONNECTIONS
unix_socket_dir =
logfile = $WORK/$1.log
pidfile = $WORK/$1.pid
client_tls_sslmode = allow
client_tls_cert_file = $WORK/cert.pem
client_tls_key_file = $WORK/key.pem
EOF
  chown postgres "$WORK/$1.ini" "$WORK/userlist.txt"
  runuser -u postgres -- setsid pgbouncer "$WORK/$1.ini" >/dev/null 2>&1 &
  PIDS+=($!)
}
pgmux() { # name port java-options [pgmux options]
  local name=$1 port=$2 opts=$3; shift 3
  # shellcheck disable=SC2086 # the options are words
  setsid java $opts -jar pgmux-core/target/pgmux-core-0.1.0.jar --listen "127.0.0.1:$port" \
    --route "postgres=127.0.0.1:$PG_PORT" --route "scram=127.0.0.1:$PG_PORT" \
    --max-connections "$MAX_CONNECTIONS" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "${name}_PID=$!"
}
bouncer pgbouncer "$BOUNCER_PORT"
setsid socat "TCP-LISTEN:$RELAY_PORT,bind=127.0.0.1,fork,reuseaddr,backlog=1024,nodelay" "TCP:127.0.0.1:$PG_PORT,nodelay" &
PIDS+=($!)
relay_PID=$!
pgmux pgmux "$MUX_PORT" "$PGMUX_JAVA_OPTS" "${PGMUX_OPTS[@]}"
await_line "$WORK/pgmux.log" "pgmux: listening"
for port in "$BOUNCER_PORT" "$RELAY_PORT"; do
  for _ in $(seq 1 150); do pg_isready -q -p "$port" && break; sleep 0.1; done
done
pgbouncer_PID=$(cat "$WORK/pgbouncer.pid")

declare -A PORT=([direct]=$PG_PORT [pgbouncer]=$BOUNCER_PORT [relay]=$RELAY_PORT [pgmux]=$MUX_PORT)
TARGETS="direct pgbouncer relay pgmux"
RESULTS="$WORK/results"
: >"$RESULTS"
record() { echo "$1 $2 $3" >>"$RESULTS"; } # metric target value

# The JVM compiles its hot code in the first seconds of load. A user's load gives it no more
# than this either: 10 s in all, then every figure counts.
log "warming up (5 s of queries, 5 s of connections, through each target)"
for port in "$BOUNCER_PORT" "$RELAY_PORT" "$MUX_PORT"; do
  pgbench -n -S -c "$CLIENTS" -j 2 -T 5 -p "$port" >/dev/null 2>&1
  pgbench -n -S -C -c "$CLIENTS" -j 2 -T 5 -p "$port" >/dev/null 2>&1
done

# --- the measurements --------------------------------------------------------------------------
# A proxy's CPU time in clock ticks, user and system apart, with its children's: socat forks one
# process per connection, whose time reaches the parent's counters only once it is reaped, so the
# live children are read from /proc as well. Context switches are summed over all threads.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # pid -> "user system"
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v pid="$1" '{
      id = $1; sub(/^.*\) /, "") # what follows the command name: state, ppid, ...
      if (id == pid || $2 == pid) { u += $12 + $14; s += $13 + $15 }
    } END {print u + 0, s + 0}'
}
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'; }
# The machine's steal time in clock ticks (CPU a shared host gave to others): printed with each
# round, so that a reader can tell a quiet run from a disturbed one.
steal_ticks() { awk '/^cpu / {print $9}' /proc/stat; }

run_pgbench() { # name target args...
  local name=$1 target=$2 out lat tx pid="" cpu0=(0 0) cpu1 cs0=0 st0; shift 2
  case $target in pgbouncer | relay | pgmux) pid=$(eval echo "\$${target}_PID") ;; esac
  [ -n "$pid" ] && read -r -a cpu0 <<<"$(cpu_ticks "$pid")" && cs0=$(switches "$pid")
  st0=$(steal_ticks)
  out=$(pgbench -n -p "${PORT[$target]}" -T "$SECONDS_PER_RUN" "$@" 2>&1)
  record "$name.steal_pct" "$target" "$(echo "($(steal_ticks) - $st0) * 100 / $CLK_TCK / $SECONDS_PER_RUN / $(nproc)" | bc -l)"
  record "$name.tps" "$target" "$(echo "$out" | awk '/^tps =/ {print $3; exit}')"
  lat=$(echo "$out" | awk '/^latency average/ {print $4; exit}')
  [ -n "$lat" ] && record "$name.latency_ms" "$target" "$lat"
  tx=$(echo "$out" | awk -F'[:/ ]+' '/^number of transactions actually processed/ {print $6; exit}')
  if [ -n "$pid" ] && [ "${tx:-0}" -gt 0 ]; then
    read -r -a cpu1 <<<"$(cpu_ticks "$pid")"
    local per_tx="* 1000000 / $CLK_TCK / $tx"
    record "$name.cpu_us_per_tx" "$target" "$(echo "(${cpu1[0]} + ${cpu1[1]} - ${cpu0[0]} - ${cpu0[1]}) $per_tx" | bc -l)"
    record "$name.cpu_user_us_per_tx" "$target" "$(echo "(${cpu1[0]} - ${cpu0[0]}) $per_tx" | bc -l)"
    record "$name.cpu_system_us_per_tx" "$target" "$(echo "(${cpu1[1]} - ${cpu0[1]}) $per_tx" | bc -l)"
    # socat's children switch on their own; only the single-process proxies are counted.
    [ "$target" != relay ] && record "$name.switches_per_tx" "$target" "$(echo "($(switches "$pid") - $cs0) / $tx" | bc -l)"
  fi
  return 0
}

# Per-transaction latency percentiles from pgbench's log.
run_latency() { # name target args...
  local name=$1 target=$2 dir="$WORK/lat"; shift 2
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && pgbench -n -S -p "${PORT[$target]}" -j 2 -T "$SECONDS_PER_RUN" --log --log-prefix=tx "$@" >/dev/null 2>&1)
  cat "$dir"/tx* | awk '{print $3}' | sort -n >"$dir/sorted"
  local n
  n=$(wc -l <"$dir/sorted")
  record "$name.p50_ms" "$target" "$(awk -v i=$((n / 2)) 'NR == i {print $1 / 1000}' "$dir/sorted")"
  record "$name.p99_ms" "$target" "$(awk -v i=$((n * 99 / 100)) 'NR == i {print $1 / 1000}' "$dir/sorted")"
}

run_copy() { # target
  local target=$1 rows=$((COPY_MB * 1024 * 1024 / 100)) t0 t1
  psql -q -p "$PG_PORT" -c "DROP TABLE IF EXISTS bulk_in; CREATE UNLOGGED TABLE bulk_in (t text)" >/dev/null
  t0=$(date +%s.%N)
  psql -q -p "${PORT[$target]}" -c "\\copy (SELECT repeat('x', 95) || i FROM generate_series(1, $rows) i) TO STDOUT" >"$WORK/copy.txt"
  t1=$(date +%s.%N)
  record copy_out.MB_s "$target" "$(echo "$COPY_MB / ($t1 - $t0)" | bc -l)"
  t0=$(date +%s.%N)
  psql -q -p "${PORT[$target]}" -c "\\copy bulk_in FROM '$WORK/copy.txt'" >/dev/null
  t1=$(date +%s.%N)
  record copy_in.MB_s "$target" "$(echo "$COPY_MB / ($t1 - $t0)" | bc -l)"
  rm -f "$WORK/copy.txt"
}

for round in $(seq 1 "$ROUNDS"); do
  for target in $TARGETS; do
    log "round $round/$ROUNDS: $target"
    run_pgbench select_simple "$target" -S -c "$CLIENTS" -j 2
    run_pgbench select_prepared "$target" -S -M prepared -c "$CLIENTS" -j 2
    run_pgbench connect "$target" -S -C -c "$CLIENTS" -j 2
    PGUSER=scram PGPASSWORD=scram-bench run_pgbench connect_scram "$target" -S -C -c "$CLIENTS" -j 2
    run_latency select_saturated "$target" -c "$CLIENTS"
    run_latency select_at_2000tps "$target" -c 4 -R 2000
    case $target in direct | pgmux) run_copy "$target" ;; esac
  done
done

# --- memory with idle sessions -----------------------------------------------------------------
# pgMux's resident set and its live heap (after a full GC) before and while IDLE_SESSIONS
# authenticated sessions sit idle through it (pgbench clients in \sleep). This instance has a
# fixed, pre-touched heap: resident memory then grows only by what is off the heap, and the heap's
# share is read from the live set, so the two add up to the cost of a session.
pgmux pgmux_mem "$MEM_PORT" "-Xms512m -Xmx512m -XX:+AlwaysPreTouch"
await_line "$WORK/pgmux_mem.log" "pgmux: listening"
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pgmux_mem_PID/status"; }
live_heap_kib() { jcmd "$pgmux_mem_PID" GC.class_histogram | awk '/^Total/ {print int($3 / 1024)}'; }
# Clients connected to pgMux, counted from their side of the socket.
backends() { ss -Htn state established "( dport = :$MEM_PORT )" | wc -l; }
log "memory: $IDLE_SESSIONS idle sessions through pgMux"
echo '\sleep 60 s' >"$WORK/idle.sql"
heap_before=$(live_heap_kib) rss_before=$(rss_kib)
pgbench -n -p "$MEM_PORT" -c "$IDLE_SESSIONS" -j 4 -t 1 -f "$WORK/idle.sql" >"$WORK/idle.log" 2>&1 &
IDLE=$!
for _ in $(seq 1 300); do
  [ "$(backends)" -ge "$IDLE_SESSIONS" ] && break
  sleep 0.1
done
n=$(backends)
heap_during=$(live_heap_kib) rss_during=$(rss_kib)
kill "$IDLE" 2>/dev/null || true
wait "$IDLE" 2>/dev/null || true
if [ "$n" -lt "$IDLE_SESSIONS" ]; then
  log "only $n of $IDLE_SESSIONS idle sessions came up:"; cat "$WORK/idle.log" >&2
fi
record idle.sessions pgmux "$n"
record idle.rss_kib_before pgmux "$rss_before"
record idle.rss_kib_with_sessions pgmux "$rss_during"
record idle.heap_kib_before pgmux "$heap_before"
record idle.heap_kib_with_sessions pgmux "$heap_during"
record idle.kib_per_session_off_heap pgmux "$(echo "($rss_during - $rss_before) / $n" | bc -l)"
record idle.kib_per_session_heap pgmux "$(echo "($heap_during - $heap_before) / $n" | bc -l)"
record idle.kib_per_session_total pgmux "$(echo "($rss_during - $rss_before + $heap_during - $heap_before) / $n" | bc -l)"

# --- a burst of TLS logins ---------------------------------------------------------------------
# Everyone terminates TLS with the same certificate: PostgreSQL itself, PgBouncer, pgMux.
# Last, because PgBouncer keeps the server connections it opened here (that is its pooling).
log "burst: starting TLS listeners"
bouncer pgbouncer_tls "$BOUNCER_TLS_PORT"
pgmux pgmux_tls "$MUX_TLS_PORT" "$PGMUX_JAVA_OPTS" "${PGMUX_OPTS[@]}" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
await_line "$WORK/pgmux_tls.log" "pgmux: listening"
for _ in $(seq 1 150); do pg_isready -q -p "$BOUNCER_TLS_PORT" && break; sleep 0.1; done
# PostgreSQL serves TLS and plain on one port.
declare -A TLS_PORT=([direct]=$PG_PORT [pgbouncer]=$BOUNCER_TLS_PORT [pgmux]=$MUX_TLS_PORT)
for round in $(seq 1 "$BURST_ROUNDS"); do
  for target in direct pgbouncer pgmux; do
    log "burst $round/$BURST_ROUNDS: $BURST_CLIENTS TLS logins at once through $target"
    java -Xss256k -cp "$PGJDBC" bench/StartupBurst.java \
      "jdbc:postgresql://127.0.0.1:${TLS_PORT[$target]}/postgres?user=postgres&sslmode=require&connectTimeout=120&socketTimeout=300" \
      "$BURST_CLIENTS" 600 2>"$WORK/burst.err" | while read -r metric value; do record "$metric" "$target" "$value"; done
    [ -s "$WORK/burst.err" ] && { log "burst errors through $target:"; cat "$WORK/burst.err" >&2; }
  done
done


cp "$RESULTS" bench/last-run.txt

# --- the table: medians per metric and target, pgMux's ratios ----------------------------------
python3 - "$RESULTS" "$ROUNDS" "$SECONDS_PER_RUN" "$COPY_MB" "$BURST_CLIENTS" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3:
        rows[(parts[0], parts[1])].append(float(parts[2]))
targets = ("direct", "pgbouncer", "relay", "pgmux")
metrics = sorted({m for m, _ in rows})
print(f"\npgMux benchmark: {sys.argv[2]} interleaved rounds of {sys.argv[3]} s, COPY {sys.argv[4]} MB, "
      f"burst of {sys.argv[5]} TLS logins; medians\n")
print(f"| {'metric':<34} | " + " | ".join(f"{t:>10}" for t in targets) + f" | {'pgmux/direct':>12} | {'pgmux/bouncer':>13} |")
print(f"|{'-' * 36}|" + "|".join('-' * 12 for _ in targets) + f"|{'-' * 14}|{'-' * 15}|")
for m in metrics:
    med = {t: statistics.median(rows[(m, t)]) for t in targets if rows.get((m, t))}
    cell = lambda t: f"{med[t]:>10.2f}" if t in med else f"{'':>10}"
    ratio = lambda a, b: f"{med[a] / med[b]:.2f}" if a in med and b in med and med[b] else ""
    print(f"| {m:<34} | " + " | ".join(cell(t) for t in targets)
          + f" | {ratio('pgmux', 'direct'):>12} | {ratio('pgmux', 'pgbouncer'):>13} |")
# The latency a hop adds: each target's median percentile less the direct connection's.
added = [m for m in metrics if m.startswith(("select_at_2000tps.", "select_saturated."))]
if added:
    print(f"\nLatency added over direct (ms, medians of the rounds)\n")
    print(f"| {'metric':<34} | " + " | ".join(f"{t:>10}" for t in targets[1:]) + " |")
    print(f"|{'-' * 36}|" + "|".join('-' * 12 for _ in targets[1:]) + "|")
    for m in added:
        med = {t: statistics.median(rows[(m, t)]) for t in targets if rows.get((m, t))}
        if "direct" in med:
            print(f"| {m:<34} | " + " | ".join(
                f"{med[t] - med['direct']:>+10.3f}" if t in med else f"{'':>10}" for t in targets[1:]) + " |")
PY

# --- the JUnit path ----------------------------------------------------------------------------
if [ "${BENCH_JUNIT:-true}" = true ]; then
  log "JUnit: a class with three embedded backends, start to first query (5 runs per variant)"
  ./mvnw -q -pl pgmux-junit5 -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=StartupBenchmarkIT -Dfailsafe.failIfNoSpecifiedTests=false -Dpgmux.benchmark.runs=5 \
    >/dev/null
  echo
  echo "JUnit 5, class with three embedded backends, start to first query:"
  cat pgmux-junit5/target/startup-benchmark.txt
fi
