#!/usr/bin/env bash
# What the statement journal costs: pgbench -S (simple and prepared) through three pgMux
# processes started as users start them (`java -jar`, no JVM flags), in interleaved rounds: a
# blind relay ("off"); the admin console on, which taps every message and follows each
# conversation but records nothing ("tapped"); and `--journal` on ("on"). Reports medians of
# throughput and of each proxy's CPU time per transaction (user + system, from /proc), and their
# ratios to "off". CPU per transaction is the steadier measure on a small machine, where pgbench,
# PostgreSQL and the proxy share the cores and throughput moves with whatever else runs.
#
#   bench/journal.sh        5 rounds of 10 s per proxy and mode; BENCH_ROUNDS, BENCH_SECONDS override
#
# Needs root on Debian with PostgreSQL's server binaries and pgbench; the server runs as user
# "postgres" on 127.0.0.1:25532; pgmux-core/target/pgmux-core-0.1.0.jar must be built
# (./mvnw -pl pgmux-core -am package -DskipTests). Raw figures go to bench/last-journal-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-5} SECONDS_PER_RUN=${BENCH_SECONDS:-10} CLIENTS=${BENCH_CLIENTS:-8}
PG_PORT=25532 OFF_PORT=25535 TAPPED_PORT=25536 ON_PORT=25537
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
JAR=pgmux-core/target/pgmux-core-0.1.0.jar
log() { printf '[journal-bench %s] %s\n' "$(date +%T)" "$*" >&2; }

WORK=$(mktemp -d /tmp/pgmux-journal-bench.XXXXXX)
chown postgres "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK" start >/dev/null
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
pgbench -i -s 10 -q -p "$PG_PORT" >/dev/null 2>&1

pgmux() { # name port options...
  local name=$1 port=$2; shift 2
  # Its own session, as a daemon: autogroup scheduling would otherwise group it with pgbench.
  PGMUX_ADMIN_PASSWORD=bench setsid java -jar "$JAR" --listen "127.0.0.1:$port" --route "postgres=127.0.0.1:$PG_PORT" \
    "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "${name}_PID=$!"
}
pgmux off "$OFF_PORT"
pgmux tapped "$TAPPED_PORT" --admin-user admin
pgmux on "$ON_PORT" --journal=10000
for name in off tapped on; do
  for _ in $(seq 1 150); do grep -q "pgmux: listening" "$WORK/$name.log" && break; sleep 0.1; done
  grep -q "pgmux: listening" "$WORK/$name.log" || { cat "$WORK/$name.log" >&2; exit 1; }
done

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # target port args... -> "tps cpu_us_per_tx"
  local target=$1 port=$2 pid out tx cpu0; shift 2
  pid=$(eval echo "\$${target}_PID")
  cpu0=$(cpu_ticks "$pid")
  out=$(pgbench -n -p "$port" -T "$SECONDS_PER_RUN" -c "$CLIENTS" -j 2 "$@" 2>&1)
  tx=$(echo "$out" | awk -F'[:/ ]+' '/^number of transactions actually processed/ {print $6; exit}')
  echo "$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p') $(echo "($(cpu_ticks "$pid") - $cpu0) * 1000000 / $CLK_TCK / $tx" | bc -l)"
}
log "warming up (5 s each)"
for port in $OFF_PORT $TAPPED_PORT $ON_PORT; do pgbench -n -p "$port" -T 5 -c "$CLIENTS" -j 2 -S >/dev/null 2>&1; done

: >bench/last-journal-run.txt
for round in $(seq 1 "$ROUNDS"); do
  for mode in simple prepared; do
    for target in off tapped on; do
      port=$OFF_PORT; [ "$target" = tapped ] && port=$TAPPED_PORT; [ "$target" = on ] && port=$ON_PORT
      read -r tps cpu < <(run "$target" "$port" -S -M "$mode")
      log "round $round $mode $target: $tps tps, $cpu us CPU per transaction"
      echo "$mode $target $tps $cpu" >>bench/last-journal-run.txt
    done
  done
done
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v m="$1" -v t="$2" -v c="$3" '$1==m && $2==t {print $c}' bench/last-journal-run.txt | median; }
printf '| pgbench -S, %d clients | off | tapped | journal on | tapped / off | on / off |\n|---|---|---|---|---|---|\n' "$CLIENTS"
for mode in simple prepared; do
  for metric in tps cpu; do
    c=3; [ "$metric" = cpu ] && c=4
    off=$(col "$mode" off $c) tapped=$(col "$mode" tapped $c) on=$(col "$mode" on $c)
    label="$mode, tps"; [ "$metric" = cpu ] && label="$mode, CPU µs per transaction"
    printf '| %s | %.1f | %.1f | %.1f | %.3f | %.3f |\n' "$label" "$off" "$tapped" "$on" \
      "$(echo "$tapped / $off" | bc -l)" "$(echo "$on / $off" | bc -l)"
  done
done
