#!/usr/bin/env bash
# Failover: Redis with a replica and three Sentinels on loopback, one agent and two proxies on
# redis-sentinel://, labelled containers on the real engine, and a client loop through both proxies. The master is
# killed (SIGKILL). Checks: Sentinel promotes the replica; no request of the loop fails (every host it asks for was
# cached before); the agent and both proxies reconnect to the new master by themselves; the new master holds
# exactly the running containers' routes (0 lost, 0 stale: the agent writes again what the failover lost); a
# container started afterwards is routed through both proxies. The replica is cut off before the last route is
# written, so the failover loses that write, which the agent must write again. Prints the promotion and
# convergence times.
# Needs: a Docker engine with busybox:1.36 (.ci/run builds it), redis-server, redis-sentinel, curl.
# Bounded: the client loop makes at most 4,000 requests in at most 90 s; the whole run takes about a minute.
# Usage: bench/failover.sh [containers=5]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
run=fo$$
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
millis() { date +%s%3N; }
failures=0

[ -f agent/target/wharf-agent.jar ] && [ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -B package -DskipTests
master=$(free_port); replica=$(free_port)
sentinels=("$(free_port)" "$(free_port)" "$(free_port)")
http=("$(free_port)" "$(free_port)")
url="redis-sentinel://127.0.0.1:${sentinels[0]},127.0.0.1:${sentinels[1]},127.0.0.1:${sentinels[2]}#wharf"

pids=()
client_pid=""
cleanup() {
  status=$?
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
  docker ps -aq --filter "label=failover=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
  if [ $status -ne 0 ] || [ $failures -ne 0 ]; then
    for f in agent proxy0 proxy1 sentinel0; do echo "--- $f log (tail)"; tail -25 "$work/$f.log" 2>/dev/null || true; done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

redis-server --port "$master" --bind 127.0.0.1 --save '' --appendonly no >"$work/master.log" 2>&1 &
master_pid=$!; pids+=("$master_pid")
redis-server --port "$replica" --bind 127.0.0.1 --save '' --appendonly no --replicaof 127.0.0.1 "$master" \
  >"$work/replica.log" 2>&1 &
replica_pid=$!; pids+=("$replica_pid")
for i in 0 1 2; do
  cat >"$work/sentinel$i.conf" <<CONF
port ${sentinels[$i]}
bind 127.0.0.1
sentinel monitor wharf 127.0.0.1 $master 2
sentinel down-after-milliseconds wharf 1000
sentinel failover-timeout wharf 10000
sentinel parallel-syncs wharf 1
CONF
  redis-sentinel "$work/sentinel$i.conf" >"$work/sentinel$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  [ "$(redis-cli -p "$replica" info replication | tr -d '\r' | grep -c '^master_link_status:up')" = 1 ] \
    && [ "$(redis-cli -p "${sentinels[0]}" sentinel replicas wharf 2>/dev/null | grep -c "$replica")" -ge 1 ] && break
  sleep 0.1
done
log "master :$master, replica :$replica, sentinels :${sentinels[*]}"

java -Xmx128m -jar agent/target/wharf-agent.jar --redis-url "$url" --agent-id "$run" --admin-port 0 --resync 600 \
  >"$work/agent.log" 2>&1 &
pids+=($!)
for i in 0 1; do
  java -Xmx192m -jar proxy/target/wharf-proxy.jar --redis-url "$url" --http-port "${http[$i]}" --https-port 0 \
    --admin-port 0 --access-log off --bind 127.0.0.1 >"$work/proxy$i.log" 2>&1 &
  pids+=($!)
done

container() { # name
  docker run -d --name "$run-$1" -l failover="$run" -l VIRTUAL_HOST="$1.$run.test" -l VIRTUAL_PORT=8080 busybox:1.36 \
    sh -c "mkdir -p /www && echo $1 > /www/index.html && exec httpd -f -p 8080 -h /www" >/dev/null
}
answers() { # proxy-index name: true when that proxy routes the host to its container
  [ "$(curl -s -m 2 -H "Host: $2.$run.test" "http://127.0.0.1:${http[$1]}/")" = "$2" ]
}
await_routed() { # name seconds
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    answers 0 "$1" && answers 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}
[ "$count" -ge 2 ] || { echo "at least 2 containers" >&2; exit 2; }
for i in $(seq 1 "$count"); do container "c$i"; done
for i in $(seq 1 "$count"); do await_routed "c$i" 60 || fail "c$i not routed through both proxies before the failover"; done

# What the master should hold: one "host backend" line per running labelled container, and nothing else.
expected() {
  docker ps -q --filter "label=failover=$run" | xargs -r docker inspect \
    --format '{{index .Config.Labels "VIRTUAL_HOST"}} http://{{.NetworkSettings.IPAddress}}:8080' | sort
}
actual() { # port
  for key in $(redis-cli -p "$1" --scan --pattern "frontend:*.$run.test"); do
    host=${key#frontend:}
    redis-cli -p "$1" lrange "$key" 1 -1 | sed "s|^|$host |"
  done | sort
}
[ "$(expected)" = "$(actual "$master")" ] || fail "the master does not hold the expected routes before the failover"

# The client loop: both proxies in turn, the hosts named in $work/hosts (c2..cN, then 'lost' once it is routed;
# c1 is removed at the end), read again at each request; each line "epoch code seconds".
seq 2 "$count" | sed 's/^/c/' >"$work/hosts"
( end=$((SECONDS + 90)); n=0
  while [ $n -lt 4000 ] && [ $SECONDS -lt $end ] && [ ! -f "$work/stop" ]; do
    mapfile -t hosts <"$work/hosts"
    name=${hosts[$(( n % ${#hosts[@]} ))]}; p=$(( n % 2 ))
    printf '%s ' "$EPOCHREALTIME" >>"$work/client.log"
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' -H "Host: $name.$run.test" \
      "http://127.0.0.1:${http[$p]}/" >>"$work/client.log" || echo "000 5" >>"$work/client.log"
    n=$((n + 1)); sleep 0.02
  done ) &
client_pid=$!
loop_started=$SECONDS
sleep 3

# The replica misses the last write: frozen, then cut off by the master (what was sent before is all it gets), so
# the route of container 'lost' is on the master only when the master dies.
kill -STOP "$replica_pid"
redis-cli -p "$master" client kill type replica >/dev/null
container lost
for _ in $(seq 1 300); do
  [ "$(redis-cli -p "$master" exists "frontend:lost.$run.test")" = 1 ] && break; sleep 0.05
done
await_routed lost 10 || fail "lost was not routed before the failover"
echo lost >>"$work/hosts" # cached by both proxies from here on: its requests must not fail either
log "fault: the replica missed the route of container 'lost'; the master is killed (SIGKILL)"
killed=$(millis)
{ kill -9 "$master_pid" && wait "$master_pid"; } 2>/dev/null || true
kill -CONT "$replica_pid"
# Read-only until promoted, so nobody but the dead master could have given it the route.
[ "$(timeout 5 redis-cli -p "$replica" exists "frontend:lost.$run.test")" = 0 ] || fail "the replica has the route it should miss"
promoted=""
for _ in $(seq 1 300); do
  if redis-cli -p "${sentinels[0]}" sentinel get-master-addr-by-name wharf 2>/dev/null | grep -qx "$replica"; then
    promoted=$(millis); break
  fi
  sleep 0.05
done
[ -n "$promoted" ] || fail "Sentinel did not promote the replica within 15 s"
log "Sentinel promoted the replica after $(( ${promoted:-$killed} - killed )) ms"
for _ in $(seq 1 300); do
  [ "$(redis-cli -p "$replica" role | head -1)" = master ] && break; sleep 0.05
done

# The agent is back on the new master once a route written there after the failover appears.
container late
if await_routed late 30; then
  log "a container started after the failover is routed through both proxies ($(( $(millis) - killed )) ms after the kill)"
else
  fail "a container started after the failover was not routed through both proxies within 30 s"
fi
converged=""
for _ in $(seq 1 300); do
  if [ "$(expected)" = "$(actual "$replica")" ]; then converged=$(millis); break; fi
  sleep 0.1
done
if await_routed lost 10; then
  log "the route the failover lost is written again by the agent and served by both proxies"
else
  fail "the route the failover lost was not written again"
fi
if [ -n "$converged" ]; then
  log "the new master holds exactly the running containers' routes ($(expected | wc -l); 0 lost, 0 stale)"
else
  fail "the new master's routes differ from the running containers"
  diff <(expected) <(actual "$replica") || true
fi
docker rm -f "$run-c1" >/dev/null
for _ in $(seq 1 100); do [ "$(expected)" = "$(actual "$replica")" ] && break; sleep 0.1; done
[ "$(expected)" = "$(actual "$replica")" ] || fail "a container removed after the failover kept its route"
while [ $((SECONDS - loop_started)) -lt 15 ]; do sleep 0.5; done  # requests after the failover too

touch "$work/stop"; wait "$client_pid" 2>/dev/null || true; client_pid=""
total=$(wc -l <"$work/client.log")
bad=$(awk '$2 != "200"' "$work/client.log" | wc -l)
slowest=$(sort -k3 -n "$work/client.log" | tail -1 | cut -d' ' -f3)
log "client loop: $total requests through two proxies, $bad not 200, slowest ${slowest}s"
awk '$2 != "200"' "$work/client.log" | head -5
[ "$bad" -eq 0 ] || fail "$bad requests for hosts cached before the failover failed"
[ "$total" -gt 200 ] || fail "the client loop made only $total requests"
if [ $failures -ne 0 ]; then
  log "failover: $failures violation(s)"; exit 1
fi
log "failover: passed"
