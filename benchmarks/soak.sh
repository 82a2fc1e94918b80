#!/usr/bin/env bash
# The hostile-peer soak (issue 9): the examples' echo-server and relay against peers that write 1 byte at a time
# and never read, TLS echo at 64 KiB, zlib bombs, reset storms, 10,000 idle connections and half-open TLS
# handshakes, on each backend. Loopback only, inside a private network namespace with 16 KiB socket buffers;
# every phase is bounded in time and in count. Not part of the test command.
#
#   benchmarks/soak.sh --quick     epoll, nio and poll, 12 s phases: about 6 minutes; rewrites docs/reliability.md
#   benchmarks/soak.sh --full      the same backends, 60 s phases, larger counts (about 30 minutes)
# Options after the mode:
#   --backends LIST   a subset of epoll,nio,poll
#   --only LIST       a subset of the scenarios (tiny-writer,relay-tiny-writer,tls-echo-64k,zlib-bomb,rst-storm,
#                     rst-storm-tls,idle-10k,half-open-tls)
#   --no-build        reuse examples/target/jevent-examples.jar
#   --no-report       do not write docs/reliability.md (a run narrowed by --backends or --only never does)
#                     (a narrowed run's results go to benchmarks/target/soak/results-<mode>-partial.json)
#   --strict          a run that keeps more memory than its scenario's budget fails too
#   --max-direct SIZE the server JVM's -XX:MaxDirectMemorySize (default 256m; a run with another writes no report)
# python3 benchmarks/soak/soak.py --report-from benchmarks/target/soak/results-quick.json rewrites the report only.
# Exit status: 0 when every server lived, lost no byte and released its descriptors (and, with --strict, kept
# no more memory than its budget); 1 otherwise; 2 on misuse.
# Needs: root or unprivileged user namespaces (unshare), a JDK 17 with jcmd, Maven, python3, openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SOAK_IN_NETNS:-}" != 1 ]; then
  MODE=quick BUILD=1
  ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) MODE=quick ;;
      --full) MODE=full ;;
      --no-build) BUILD=0 ;;
      --backends|--only|--max-direct)
        [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }; ARGS+=("$1" "$2"); shift ;;
      --no-report|--strict) ARGS+=("$1") ;;
      -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
      *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
  done
  for tool in java jcmd python3 openssl unshare ip sysctl; do
    command -v "$tool" >/dev/null || { echo "soak.sh: $tool is required" >&2; exit 2; }
  done
  if [ "$BUILD" = 1 ]; then
    echo "building jevent-examples.jar" >&2
    mvn -B -q -DskipTests package -pl examples -am   # never install: other checkouts share ~/.m2
  fi
  [ -f examples/target/jevent-examples.jar ] || { echo "soak.sh: no examples/target/jevent-examples.jar" >&2; exit 2; }
  # a private network namespace: loopback only, our own sysctls, nothing else on the machine disturbed
  if [ "$(id -u)" = 0 ]; then NS=(unshare -n); else NS=(unshare -rn); fi
  exec env SOAK_IN_NETNS=1 "${NS[@]}" "$0" --mode "$MODE" "${ARGS[@]}"
fi

# ---- inside the namespace
ip link set lo up
# 16 KiB socket buffers, fixed (min, default and max): the kernel holds little, so the server's own buffering is
# what a peer exercises from the first byte
sysctl -q -w net.ipv4.tcp_wmem="4096 16384 16384" net.ipv4.tcp_rmem="4096 16384 16384"
# room for 10,000 connections plus the storms' resets and closes
sysctl -q -w net.ipv4.ip_local_port_range="1024 65000" net.core.somaxconn=8192 || true
# 10,000 idle connections: the peer and the server each hold 10,000 descriptors
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 benchmarks/soak/soak.py "$@"
