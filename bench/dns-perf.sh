#!/usr/bin/env bash
# Queries/s of the proxy's wildcard DNS: dnsperf (Debian's package) against the proxy jar on loopback,
# a mix of xip names, other names, apex SOA/NS, AAAA and refused names. Bounded: SECONDS per round, 3 rounds.
# Needs: dnsperf, redis-server (the proxy wants a Redis even though DNS never asks it).
# Usage: bench/dns-perf.sh [seconds per round=10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
[ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -B -pl proxy -am package -DskipTests
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); dns_port=$(free_port); work=$(mktemp -d)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis_pid=$!
proxy_pid=""
trap 'kill $redis_pid ${proxy_pid:-} 2>/dev/null; rm -rf "$work"' EXIT
java -Xmx256m -jar proxy/target/wharf-proxy.jar --redis-url "redis://127.0.0.1:$redis_port" --bind 127.0.0.1 \
  --http-port 0 --https-port 0 --admin-port 0 --access-log off \
  --dns-port "$dns_port" --dns-zone wharf.test --dns-ip 192.0.2.10 >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 100); do grep -q "answering DNS" "$work/proxy.log" && break; sleep 0.1; done
cat >"$work/queries" <<'QUERIES'
app.10.1.2.3.wharf.test A
app.10-1-2-3.wharf.test A
app.0a010203.wharf.test A
www.wharf.test A
wharf.test SOA
wharf.test NS
app.10.1.2.3.wharf.test AAAA
example.com A
QUERIES
for round in $(seq 1 3); do
  # -c clients, -T threads, -l seconds: the load is bounded in time; -t timeout per query.
  dnsperf -s 127.0.0.1 -p "$dns_port" -d "$work/queries" -l "$seconds" -n "${DNSPERF_PASSES:-100000}" -c 4 -T 1 -t 2 -q 200 2>&1 \
    | awk -v r="$round" '/Queries per second/ {qps=$4} /Queries lost/ {lost=$3" "$4} /Average Latency/ {lat=$4}
                         END {printf "round %d: %s queries/s, lost %s, average latency %s s\n", r, qps, lost, lat}'
done
