#!/usr/bin/env bash
# How fast does a route go live? Starts Redis and the agent jar, runs N labelled busybox containers,
# and prints the time from `docker run -d` returning to the route being in Redis.
# Needs: a running Docker engine with the busybox:1.36 image (.ci/run builds it), redis-server.
# Usage: bench/route-latency.sh [N=100]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100}

[ -f agent/target/wharf-agent.jar ] || ./mvnw -q -pl agent -am package -DskipTests
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis_pid=$!
agent_pid=""
trap '[ -n "$agent_pid" ] && kill $agent_pid 2>/dev/null; kill $redis_pid 2>/dev/null' EXIT
sleep 0.3
java -jar agent/target/wharf-agent.jar --redis-url "redis://127.0.0.1:$port" --agent-id bench --admin-port 0 \
  >/tmp/wharf-bench-agent.log 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do grep -q "watching Docker events" /tmp/wharf-bench-agent.log && break; sleep 0.1; done
sleep 1   # let the first reconcile finish
python3 bench/route_latency.py "$port" "$count"
