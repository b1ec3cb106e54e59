#!/usr/bin/env bash
# What the statement journal costs: pgbench -S (simple and prepared) through three in-JVM pgMux
# proxies, in interleaved rounds: a blind relay ("off"), every message tapped and followed with
# nothing recorded ("tapped": withFaults(), no fault added), and the journal on ("on"); medians
# and ratios to "off".
#
#   bench/journal.sh        3 rounds of 10 s per proxy and mode; BENCH_ROUNDS, BENCH_SECONDS override
#
# Needs root on Debian with PostgreSQL's server binaries and pgbench; the server runs as user
# "postgres" on 127.0.0.1:25532; pgmux-core/target/pgmux-core-0.1.0.jar must be built
# (./mvnw -pl pgmux-core -am package -DskipTests). Raw figures go to bench/last-journal-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-3} SECONDS_PER_RUN=${BENCH_SECONDS:-10} CLIENTS=${BENCH_CLIENTS:-8}
PG_PORT=25532 OFF_PORT=25535 TAPPED_PORT=25536 ON_PORT=25537
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
JAR=pgmux-core/target/pgmux-core-0.1.0.jar
log() { printf '[journal-bench %s] %s\n' "$(date +%T)" "$*" >&2; }

WORK=$(mktemp -d /tmp/pgmux-journal-bench.XXXXXX)
chown postgres "$WORK"
cleanup() {
  exec 3>&- 2>/dev/null || true
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

# The proxies run until this script closes their standard input (fd 3).
mkfifo "$WORK/in"
java -cp "$JAR" bench/JournalOverhead.java "$PG_PORT" "$OFF_PORT" "$TAPPED_PORT" "$ON_PORT" <"$WORK/in" >"$WORK/proxy.log" 2>&1 &
exec 3>"$WORK/in"
for _ in $(seq 1 150); do grep -q ready "$WORK/proxy.log" && break; sleep 0.1; done
grep -q ready "$WORK/proxy.log" || { cat "$WORK/proxy.log" >&2; exit 1; }

tps() { # port args...
  local port=$1; shift
  pgbench -n -p "$port" -T "$SECONDS_PER_RUN" -c "$CLIENTS" -j 2 "$@" 2>&1 \
    | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
log "warming up"
for port in $OFF_PORT $TAPPED_PORT $ON_PORT; do pgbench -n -p "$port" -T 3 -c "$CLIENTS" -j 2 -S >/dev/null 2>&1; done

: >bench/last-journal-run.txt
for round in $(seq 1 "$ROUNDS"); do
  for mode in simple prepared; do
    for target in off tapped on; do
      port=$OFF_PORT; [ "$target" = tapped ] && port=$TAPPED_PORT; [ "$target" = on ] && port=$ON_PORT
      value=$(tps "$port" -S -M "$mode")
      log "round $round $mode journal-$target: $value tps"
      echo "$mode $target $value" >>bench/last-journal-run.txt
    done
  done
done
exec 3>&-
wait

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '| pgbench -S, %d clients | off (tps) | tapped (tps) | journal on (tps) | tapped / off | on / off |\n|---|---|---|---|---|---|\n' "$CLIENTS"
for mode in simple prepared; do
  off=$(awk -v m="$mode" '$1==m && $2=="off" {print $3}' bench/last-journal-run.txt | median)
  tapped=$(awk -v m="$mode" '$1==m && $2=="tapped" {print $3}' bench/last-journal-run.txt | median)
  on=$(awk -v m="$mode" '$1==m && $2=="on" {print $3}' bench/last-journal-run.txt | median)
  printf '| %s | %.0f | %.0f | %.0f | %.3f | %.3f |\n' "$mode" "$off" "$tapped" "$on" \
    "$(echo "$tapped / $off" | bc -l)" "$(echo "$on / $off" | bc -l)"
done
grep "journal entries" "$WORK/proxy.log" >&2 || true
