#!/usr/bin/env bash
# How long does the agent take to reconcile many containers? Starts N labelled busybox containers (bounded: at most
# 2,000, 4 at a time, 10 minutes), then an agent against an empty Redis with --resync 1, and reads its log: the first
# reconcile (every route written) and the next idle resyncs (nothing to change). Checks every route is in Redis.
# Needs: a running Docker engine with the busybox:1.36 image (.ci/run builds it), redis-server.
# Usage: bench/agent-scale.sh [N=1000] [idle resyncs=5]; KEEP=1 leaves the containers for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
idle=${2:-5}
[ "$count" -le 2000 ] || { echo "at most 2000 containers" >&2; exit 2; }
log=/tmp/wharf-scale-agent.log

[ -f agent/target/wharf-agent.jar ] || ./mvnw -q -pl agent -am package -DskipTests
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis_pid=$!
agent_pid=""
cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || docker ps -aq --filter label=wharf.bench=scale | xargs -r -n 100 docker rm -f >/dev/null 2>&1 || true
}
trap cleanup EXIT

have=$(docker ps -q --filter label=wharf.bench=scale | wc -l)
echo "starting $((count - have)) containers ($have already running)"
started=$(date +%s)
seq "$have" $((count - 1)) | timeout 600 xargs -P 4 -I{} docker run -d -q --name wharf-scale-{} \
  --label wharf.bench=scale --label VIRTUAL_HOST=s{}.scale.test --label VIRTUAL_PORT=80 busybox:1.36 sleep 3600 >/dev/null
echo "$(docker ps -q --filter label=wharf.bench=scale | wc -l) containers running after $(( $(date +%s) - started )) s"

# The image's JVM options, but for the class archive (JDK 19+; this machine's java is 17).
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar agent/target/wharf-agent.jar --redis-url "redis://127.0.0.1:$port" --agent-id scale \
  --admin-port 0 --resync 1 >"$log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 $(( (idle + 60) * 10 ))); do
  [ "$(grep -c 'reconciled .* containers in' "$log")" -gt "$idle" ] && break
  sleep 0.1
done
kill "$agent_pid"; agent_pid=""
routes=$(redis-cli -p "$port" --scan --pattern 'frontend:*.scale.test' | wc -l)
grep -o 'reconciled .*' "$log" | head -n $(( idle + 1 ))
python3 - "$log" "$count" "$routes" "$idle" <<'PY'
import re, statistics, sys
log, count, routes, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = [(int(n), int(ms), int(ch)) for n, ms, ch in
        re.findall(r'reconciled (\d+) containers in (\d+) ms: (\d+) route', open(log).read())]
if len(runs) < idle + 1:
    sys.exit(f"only {len(runs)} reconciles in the log: see {log}")
first, rest = runs[0], runs[1:idle + 1]
print(f"routes in Redis: {routes} of {count}")
print(f"first reconcile: {first[0]} containers, {first[2]} routes written, {first[1]} ms (target <= 2000 ms)")
idle_ms = [ms for _, ms, _ in rest]
print(f"idle resyncs: {idle_ms} ms, median {statistics.median(idle_ms)} ms (target <= 500 ms), "
      f"routes changed {[ch for _, _, ch in rest]}")
if routes < count:
    sys.exit("some routes are missing")
PY
