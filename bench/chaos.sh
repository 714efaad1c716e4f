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
  docker run -d --restart always --name "$run-$1" -l chaos="$run" -l VIRTUAL_HOST="$2" busybox:1.36 \
    sh -c "mkdir -p /www && echo $1 > /www/index.html && exec httpd -f -p 8080 -h /www" >/dev/null
}

# What Redis should hold: one "host backend" line per running labelled container, and nothing else for them.
expected() {
  for id in $(docker ps -q --filter "label=chaos=$run"); do
    docker inspect --format '{{index .Config.Labels "VIRTUAL_HOST"}} http://{{.NetworkSettings.IPAddress}}:8080' "$id"
  done | sort
}
actual() {
  for key in $(redis --scan --pattern "frontend:*.$run.test"); do
    host=${key#frontend:}
    redis lrange "$key" 1 -1 | sed "s|^|$host |"
  done | sort
}
converge() { # what, after a fault: waits (bounded) until Redis matches Docker; prints the time
  local what=$1 start now
  start=$(date +%s%N)
  for _ in $(seq 1 300); do
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
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' -H "Host: stable.$run.test" "http://127.0.0.1:$http_port/" \
      >>"$work/client.log" || true
    n=$((n + 1))
  done ) &
client_pid=$!

log "churn: $churn containers started and half of them removed"
for i in $(seq 1 "$churn"); do container "c$i" "c$i.$run.test"; done
for i in $(seq 1 2 "$churn"); do docker rm -f "$run-c$i" >/dev/null; done
converge "churn"

log "fault: agent SIGKILL; while it is down two containers are replaced (same hosts, reused addresses)"
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
for i in 2 4; do docker rm -f "$run-c$i" >/dev/null; container "c$i-new" "c$i.$run.test"; done
start_agent
converge "agent restart"

log "fault: Redis restarted without persistence (comes back empty)"
kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
start_redis
redis rpush "frontend:hand.$run.example" hand http://10.9.9.9:80 >/dev/null  # an operator restores theirs
converge "Redis restart"

log "fault: Redis frozen for 3 s (DEBUG SLEEP) while containers change"
redis debug sleep 3 >/dev/null &
frozen=$!
sleep 0.2
container late "late.$run.test"
docker rm -f "$run-c6" >/dev/null
wait "$frozen" 2>/dev/null || true
converge "Redis freeze"

log "fault: dockerd restarted (containers restart by policy)"
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
hung=$(awk '$1 == "000" || $2 >= 5' "$work/client.log" | wc -l)
errors=$(awk '$1 != "200"' "$work/client.log" | wc -l)
slowest=$(sort -k2 -n "$work/client.log" | tail -1 | cut -d' ' -f2)
log "client loop: $total requests, $errors not 200 (the stable container is down during the dockerd restart), $hung hung, slowest ${slowest}s"
[ "$hung" -eq 0 ] || fail "$hung client requests hung"
[ "$total" -gt 100 ] || fail "the client loop made only $total requests"
if [ $failures -ne 0 ]; then
  log "chaos: $failures violation(s)"; exit 1
fi
log "chaos: passed"
