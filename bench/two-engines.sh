#!/usr/bin/env bash
# Two Docker engines, one Redis, two proxies: a second dockerd (its own socket, data-root, exec-root and bridge
# 172.31.0.0/24) beside the machine's. Agent e1 routes the first engine's containers by their bridge IP; agent e2
# runs in published mode (--advertise-ip 127.0.0.1, ports published on 127.0.0.1). Checks: one host served by a
# container on each engine is one frontend with a backend from each, answered by both through both proxies; when
# e2 is killed and its container stops, a proxy marks that backend dead in Redis and both proxies keep answering from
# e1's; with --stale-agent, e1 removes e2's routes once e2's heartbeat is too old; e2 started again routes its
# container again. Needs: root, iproute2, dockerd (docker.io), busybox:1.36 on the first engine, redis-server, curl.
# Bounded: every wait has a deadline; about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
run=te$$
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
failures=0
bridge=wharf-br$$
[ ${#bridge} -le 15 ] || bridge=wharf-br${$: -6}
host=shared.$run.test

[ -f agent/target/wharf-agent.jar ] && [ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -B package -DskipTests
redis_port=$(free_port); http=("$(free_port)" "$(free_port)")
engine2="unix://$work/docker.sock"
d2() { docker -H "$engine2" "$@"; }

pids=(); e2_pid=""; dockerd2_pid=""
cleanup() {
  status=$?
  docker ps -aq --filter "label=engines=$run" | xargs -r docker rm -f >/dev/null 2>&1 || true
  [ -n "$dockerd2_pid" ] && { d2 ps -aq | xargs -r docker -H "$engine2" rm -f >/dev/null 2>&1 || true; }
  for pid in "${pids[@]}" $e2_pid; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
  if [ -n "$dockerd2_pid" ]; then
    kill "$dockerd2_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$dockerd2_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ip link del "$bridge" 2>/dev/null || true
  if [ $status -ne 0 ] || [ $failures -ne 0 ]; then
    for f in e1 e2 proxy0 proxy1 dockerd2; do echo "--- $f log (tail)"; tail -20 "$work/$f.log" 2>/dev/null || true; done
  fi
  umount "$work"/exec/* 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
  exit $status
}
trap cleanup EXIT

ip link add "$bridge" type bridge
ip addr add 172.31.0.1/24 dev "$bridge"
ip link set "$bridge" up
mkdir -p "$work/data" "$work/exec"
setsid dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" -H "$engine2" \
  --bridge "$bridge" --iptables=false --ip-masq=false --storage-driver=vfs >"$work/dockerd2.log" 2>&1 </dev/null &
dockerd2_pid=$!
for _ in $(seq 1 150); do d2 info >/dev/null 2>&1 && break; sleep 0.2; done
d2 info >/dev/null 2>&1 || { fail "the second dockerd did not start"; exit 1; }
docker save busybox:1.36 | d2 load -q >/dev/null
log "second engine at $engine2 (bridge $bridge, 172.31.0.0/24)"

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis() { redis-cli -p "$redis_port" "$@"; }
agent() { # id extra-options...
  local id=$1; shift
  java -Xmx128m -XX:TieredStopAtLevel=1 -jar agent/target/wharf-agent.jar --redis-url "redis://127.0.0.1:$redis_port" \
    --agent-id "$id" --admin-port 0 --resync 1 --stale-agent 3 "$@" >>"$work/$id.log" 2>&1 &
}
agent e1; pids+=($!)
agent e2 --docker-host "$engine2" --advertise-ip 127.0.0.1; e2_pid=$!
for i in 0 1; do
  java -Xmx192m -jar proxy/target/wharf-proxy.jar --redis-url "redis://127.0.0.1:$redis_port" --http-port "${http[$i]}" \
    --https-port 0 --admin-port 0 --access-log off --bind 127.0.0.1 >"$work/proxy$i.log" 2>&1 &
  pids+=($!)
done

serve() { echo "mkdir -p /www && echo $1 > /www/index.html && exec httpd -f -p 8080 -h /www"; }
docker run -d --name "$run-a" -l engines="$run" -l VIRTUAL_HOST="$host" -l VIRTUAL_PORT=8080 busybox:1.36 \
  sh -c "$(serve a)" >/dev/null
d2 run -d --name "$run-b" -p 127.0.0.1::8080 -l VIRTUAL_HOST="$host" -l VIRTUAL_PORT=8080 busybox:1.36 \
  sh -c "$(serve b)" >/dev/null
a="http://$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$run-a"):8080"
b="http://$(d2 port "$run-b" 8080 | head -1)"

backends() { redis lrange "frontend:$host" 1 -1 | sort | tr '\n' ' '; }
await_backends() { # what expected... ; 30 s at most
  local what=$1; shift
  local want; want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  for _ in $(seq 1 300); do [ "$(backends)" = "$want" ] && return 0; sleep 0.1; done
  fail "$what: frontend:$host lists '$(backends)', not '$want'"
  return 1
}
seen() { # proxy-index: the distinct answers of 20 requests
  for _ in $(seq 1 20); do curl -s -m 3 -H "Host: $host" "http://127.0.0.1:${http[$1]}/" | tr -d '\n'; echo; done \
    | sort -u | tr '\n' ' '
}

await_backends "both engines" "$a" "$b" && log "one frontend, a backend from each engine: $a (e1), $b (e2, published)"
for i in 0 1; do
  for _ in $(seq 1 100); do [ "$(seen "$i")" = "a b " ] && break; sleep 0.2; done
  [ "$(seen "$i")" = "a b " ] && log "proxy $i answers from both engines" || fail "proxy $i answered '$(seen "$i")', not 'a b '"
done

log "agent e2 killed for good; then its container stops (nobody removes its route now)"
{ kill -9 "$e2_pid" && wait "$e2_pid"; } 2>/dev/null || true; e2_pid=""
killed=$SECONDS
d2 stop -t 1 "$run-b" >/dev/null
# The route stays until the heartbeat is stale: meanwhile a proxy finds the backend refusing and marks it dead.
[ "$(seen 0)" = "a " ] || fail "proxy 0 answered '$(seen 0)' with e2's backend down, not 'a '"
if [ $((SECONDS - killed)) -lt 3 ]; then
  [ "$(redis exists "dead:$host")" = 1 ] && log "proxy 0 marked e2's backend dead in Redis (dead:$host)" \
    || fail "no dead mark in Redis for e2's refusing backend"
fi
[ "$(seen 1)" = "a " ] && log "proxy 1 answers from e1's backend too" || fail "proxy 1 answered '$(seen 1)', not 'a '"

await_backends "e2's heartbeat past --stale-agent" "$a" && \
  log "e1 removed e2's route $((SECONDS - killed)) s after e2 went silent (--stale-agent 3)"
grep -q "agent 'e2' last seen" "$work/e1.log" || fail "e1 did not log what it removed"
[ "$(redis zscore wharf:agents e2)" = "" ] || fail "e2's heartbeat is still in wharf:agents"

log "agent e2 back, its container started again"
agent e2 --docker-host "$engine2" --advertise-ip 127.0.0.1; e2_pid=$!
d2 start "$run-b" >/dev/null
b="http://$(d2 port "$run-b" 8080 | head -1)"
await_backends "e2 back" "$a" "$b" && log "e2 routes its container again"

if [ $failures -ne 0 ]; then
  log "two engines: $failures violation(s)"; exit 1
fi
log "two engines: passed"
