#!/usr/bin/env bash
# Chaos: the agent and proxy jars against the real Docker engine and Redis while containers churn and a client
# loop runs through the proxy. Faults, one after the other: agent SIGKILL (containers replaced while it is down,
# reusing addresses), Redis restarted empty, Redis frozen (DEBUG SLEEP), dockerd restarted. After each, Redis must
# converge to exactly the running labelled containers (0 lost, 0 stale), the hand-written route must survive,
# and no client request may hang. Prints each convergence time; exits non-zero on any violation.
# Needs: a Docker engine with busybox:1.36 (.ci/run builds it), redis-server, curl. Bounded: ~2 minutes.
# Usage: bench/chaos.sh [churn containers=20]
set -euo pipefail
cd "$(dirname "$0")/.."
churn=${1:-20}
run=chaos$$
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
phase() { local name=$1; shift; log "$*"; echo "$EPOCHREALTIME $name" >>"$work/phases"; }  # client answers per phase
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
failures=0

[ -f agent/target/wharf-agent.jar ] && [ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -B package -DskipTests
redis_port=$(free_port); http_port=$(free_port)
redis() { redis-cli -p "$redis_port" "$@"; }

redis_pid=""; agent_pid=""; proxy_pid=""; client_pid=""
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >>"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do redis ping >/dev/null 2>&1 && return; sleep 0.05; done
  fail "redis-server did not start"
}
start_agent() {
  java -Xmx128m -jar agent/target/wharf-agent.jar --redis-url "redis://127.0.0.1:$redis_port" --agent-id "$run" \
    --admin-port 0 --resync 600 >>"$work/agent.log" 2>&1 &
  agent_pid=$!
}
cleanup() {
  status=$?
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
  for pid in "$agent_pid" "$proxy_pid" "$redis_pid"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  docker ps -aq --filter "label=chaos=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
  if [ $status -ne 0 ] || [ $failures -ne 0 ]; then
    echo "--- agent log (tail)"; tail -30 "$work/agent.log" || true
    echo "--- proxy log (tail)"; tail -30 "$work/proxy.log" || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

# A labelled busybox httpd that comes back after a dockerd restart, like a real service.
container() { # name host
  docker run -d --restart always --name "$run-$1" -l chaos="$run" -l VIRTUAL_HOST="$2" -l VIRTUAL_PORT=8080 busybox:1.36 \
    sh -c "mkdir -p /www && echo $1 > /www/index.html && exec httpd -f -p 8080 -h /www" >/dev/null
}

# What Redis should hold: one "host backend" line per running labelled container, and nothing else for them.
expected() {
  docker ps -q --filter "label=chaos=$run" | xargs -r docker inspect \
    --format '{{index .Config.Labels "VIRTUAL_HOST"}} http://{{.NetworkSettings.IPAddress}}:8080' | sort
}
actual() {
  for key in $(redis --scan --pattern "frontend:*.$run.test"); do
    host=${key#frontend:}
    redis lrange "$key" 1 -1 | sed "s|^|$host |"
  done | sort
}
converge() { # what, after a fault: waits (bounded) until Redis matches Docker; prints the time
  local what=$1 start now deadline=$((SECONDS + 30))
  start=$(date +%s%N)
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(expected)" = "$(actual)" ]; then
      now=$(date +%s%N)
      log "converged after $what in $(( (now - start) / 1000000 )) ms ($(expected | wc -l) routes)"
      [ "$(redis lrange frontend:hand.$run.example 0 -1 | tr '\n' ' ')" = "hand http://10.9.9.9:80 " ] \
        || fail "the hand-written route changed after $what"
      return
    fi
    sleep 0.1
  done
  fail "no convergence within 30 s after $what"
  diff <(expected) <(actual) || true
}

start_redis
redis rpush "frontend:hand.$run.example" hand http://10.9.9.9:80 >/dev/null
start_agent
java -Xmx128m -jar proxy/target/wharf-proxy.jar --redis-url "redis://127.0.0.1:$redis_port" --http-port "$http_port" \
  --https-port 0 --admin-port 0 --access-log off --bind 127.0.0.1 >>"$work/proxy.log" 2>&1 &
proxy_pid=$!
container stable "stable.$run.test"
for _ in $(seq 1 200); do
  [ "$(curl -s -m 2 -H "Host: stable.$run.test" "http://127.0.0.1:$http_port/")" = stable ] && break; sleep 0.1
done

# The client loop: bounded in count and time; each line "http_code seconds".
( end=$((SECONDS + 240)); n=0
  while [ $n -lt 20000 ] && [ $SECONDS -lt $end ] && [ ! -f "$work/stop" ]; do
    printf '%s ' "$EPOCHREALTIME" >>"$work/client.log"
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' -H "Host: stable.$run.test" "http://127.0.0.1:$http_port/" \
      >>"$work/client.log" || echo "000 5" >>"$work/client.log"
    n=$((n + 1))
  done ) &
client_pid=$!

phase churn "churn: $churn containers started and half of them removed"
for i in $(seq 1 "$churn"); do container "c$i" "c$i.$run.test"; done
for i in $(seq 1 2 "$churn"); do docker rm -f "$run-c$i" >/dev/null; done
converge "churn"

phase agent-sigkill "fault: agent SIGKILL; while it is down two containers are replaced (same hosts, reused addresses)"
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
for i in 2 4; do docker rm -f "$run-c$i" >/dev/null; container "c$i-new" "c$i.$run.test"; done
start_agent
converge "agent restart"

phase redis-restart "fault: Redis restarted without persistence (comes back empty)"
kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
start_redis
redis rpush "frontend:hand.$run.example" hand http://10.9.9.9:80 >/dev/null  # an operator restores theirs
converge "Redis restart"

phase redis-freeze "fault: Redis frozen for 3 s (DEBUG SLEEP) while containers change"
redis debug sleep 3 >/dev/null &
frozen=$!
sleep 0.2
container late "late.$run.test"
docker rm -f "$run-c6" >/dev/null
wait "$frozen" 2>/dev/null || true
converge "Redis freeze"

phase dockerd-restart "fault: dockerd restarted (containers restart by policy)"
dockerd_cmd=$(tr '\0' ' ' </proc/"$(pidof dockerd)"/cmdline)
kill "$(pidof dockerd)"
for _ in $(seq 1 150); do pidof dockerd >/dev/null || break; sleep 0.2; done
setsid $dockerd_cmd >>/tmp/wharf-ci-dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
for _ in $(seq 1 150); do
  [ "$(docker ps -q --filter "label=chaos=$run" | wc -l)" -ge "$(docker ps -aq --filter "label=chaos=$run" | wc -l)" ] && break; sleep 0.2
done
converge "dockerd restart"

touch "$work/stop"; wait "$client_pid" 2>/dev/null || true; client_pid=""
total=$(wc -l <"$work/client.log")
hung=$(awk '$2 == "000" || $3 >= 5' "$work/client.log" | wc -l)
slowest=$(sort -k3 -n "$work/client.log" | tail -1 | cut -d' ' -f3)
log "client loop: $total requests, $hung hung, slowest ${slowest}s; answers other than 200 by phase:"
awk 'NR == FNR { start[NR] = $1; $1 = ""; name[NR] = $0; n = NR; next }
     { p = 0; for (i = 1; i <= n; i++) if ($1 >= start[i]) p = i; total[p]++; if ($2 != "200") bad[p]++ }
     END { for (i = 0; i <= n; i++) printf "  %-40s %5d requests, %4d not 200\n", (i ? name[i] : " before"), total[i], bad[i] }' \
  "$work/phases" "$work/client.log"
[ "$hung" -eq 0 ] || fail "$hung client requests hung"
[ "$total" -gt 100 ] || fail "the client loop made only $total requests"
if [ $failures -ne 0 ]; then
  log "chaos: $failures violation(s)"; exit 1
fi
log "chaos: passed"
