#!/usr/bin/env bash
# jevent against libevent, Netty and plain NIO, side by side in one run.
#
#   benchmarks/run.sh --quick      about 5 minutes on 2 cores; writes docs/benchmarks.md, docs/img/*.png and the
#                                  raw results they are made from, docs/benchmarks-results.json
#   benchmarks/run.sh --full       longer runs, more repetitions, the whole bench.c grid
#   benchmarks/run.sh --smoke      CI: builds, runs every JMH benchmark and every server for about a second,
#                                  writes nothing under docs/ (< 2 minutes)
# Options after the mode:
#   -e REGEX        an extra JMH include regex to run and tabulate (repeatable; default io.jevent.buffer.*Bench,
#                   skipped when nothing matches)
#   --only LIST     a subset of: loop,dispatch,timers,extra,pingpong,stream,syscalls,idle,multicore
#   --systems LIST  a subset of: jevent-epoll,jevent-poll,jevent-nio,jevent-uring,netty-epoll,netty-uring,
#                   netty-nio,plain-nio,libevent (a system this machine cannot run is a 'skipped: <reason>' row)
#   --no-build      reuse benchmarks/target (development)
#   --no-report     do not write docs/ (development)
#   --ignore-jmh-lock  run JMH even while another JMH run holds /tmp/jmh.lock (otherwise wait for it)
# Needs: a JDK 17, Maven, gcc, python3; installs libevent-dev, gnuplot and strace with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=quick BUILD=1
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --smoke) MODE=smoke ;;
    --no-build) BUILD=0 ;;
    -e|--only|--systems|--reps) ARGS+=("$1" "$2"); shift ;;
    --no-report|--ignore-jmh-lock) ARGS+=("$1") ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
START=$(date +%s)
WORK=benchmarks/target/cmp
mkdir -p "$WORK"

# Kill whatever the runner started (servers, clients, strace), by the pids it recorded, on any exit.
PY=
cleanup() {
  [ -n "$PY" ] && kill "$PY" 2>/dev/null || true
  if [ -f "$WORK/pids" ]; then
    while read -r p; do kill -9 "$p" 2>/dev/null || true; done < "$WORK/pids"
    rm -f "$WORK/pids"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools: libevent-dev (headers + library), gnuplot (charts), strace (syscall counts)
need=()
[ -f /usr/include/event2/event.h ] || need+=(libevent-dev)
command -v strace >/dev/null || need+=(strace)
if [ "$MODE" != smoke ]; then command -v gnuplot >/dev/null || need+=(gnuplot-nox); fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---- build: the benchmarks jar (core and backends alongside, never installed) and the C programs
if [ "$BUILD" = 1 ]; then
  echo "building benchmarks.jar" >&2
  mvn -B -q -DskipTests package -pl benchmarks -am
fi
mkdir -p benchmarks/target/native
gcc -O2 -Wall -o benchmarks/target/native/loadgen benchmarks/native/loadgen.c
gcc -O2 -Wall -o benchmarks/target/native/levent benchmarks/native/levent.c -levent

# 10,000 idle connections: the client and each server hold 10,000 descriptors in separate processes.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

python3 benchmarks/cmp.py --mode "$MODE" "${ARGS[@]}" &
PY=$!
set +e
wait "$PY"; rc=$?
PY=
echo "run.sh --$MODE: $(( $(date +%s) - START )) s in all, exit $rc" >&2
exit $rc
