#!/usr/bin/env bash
# Wharf vs nginx and HAProxy proxying the same backend, in one run on loopback, same load, same worker count.
# Prints req/s, p50 and p99 for each round and proxy, Wharf's bytes allocated per request, and the medians'
# ratios (target: Wharf >= 1.1x nginx's req/s, p99 <= nginx's).
# Needs: wrk, nginx-light, haproxy, redis-server (Debian packages); builds the proxy jar if missing.
# Usage: bench/proxy-vs-nginx.sh [seconds=10] [connections=64] [workers=2] [http|https|h2] [keepalive|close]
# ("close": every request on a new connection, so with https every request is a full TLS handshake.)
# h2: HTTP/2 over TLS (ALPN) driven by h2load (nghttp2-client) with `connections` streams spread over 8
# connections (64 = 8 x 8); nginx listens with `http2`, HAProxy with `alpn h2,http/1.1`; p50/p99 come from
# h2load's per-request log.
# (WHARF_BENCH_OPTIONS puts route options on Wharf's route: see below.)
# Each proxy is first warmed up alone by BENCH_WARMUP_RUNS runs (default 4) of half the round length (at least
# 3 s), each on new connections: the JIT recompiles what it compiled during one long run once connections open
# and close (10 s runs back to back over h2: 24k, 28k, 41k, 44k req/s; after one 30 s run, 3 s runs: 25k, 39k,
# 44k, 47k), so one long warm-up left Wharf's first round its slowest. nginx and HAProxy have no JIT.
# With https, both proxies terminate TLS with the same certificate (made here with openssl); the backend stays
# plain HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
workers=${3:-2}
scheme=${4:-http}
mode=${5:-keepalive}
warmup_runs=${BENCH_WARMUP_RUNS:-4}
warmup_seconds=$(( seconds / 2 > 3 ? seconds / 2 : 3 ))
connection_header=()
[ "$mode" = close ] && connection_header=(-H 'Connection: close')
tools="wrk nginx haproxy redis-server"; [ "$scheme" = h2 ] && tools="$tools h2load"
for tool in $tools; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx-light haproxy redis-server)"; exit 1; }
done
[ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -pl proxy -am package -DskipTests

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${BENCH_DEBUG:-}" ] && trap 'cat "$work"/*.log; cleanup' EXIT

backend_port=$(free_port); nginx_port=$(free_port); wharf_port=$(free_port); redis_port=$(free_port)
haproxy_port=$(free_port); admin_port=$(free_port)
chmod 755 "$work"
tls_listen=""; tls_conf=""
tls=false; { [ "$scheme" = https ] || [ "$scheme" = h2 ]; } && tls=true
if $tls; then
  mkdir -p "$work/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.localhost -addext subjectAltName=DNS:bench.localhost \
    -keyout "$work/certs/bench.localhost.key" -out "$work/certs/bench.localhost.crt" 2>/dev/null
  # wrk sends no SNI to 127.0.0.1: the same certificate is Wharf's default too.
  cp "$work/certs/bench.localhost.crt" "$work/certs/default.crt"; cp "$work/certs/bench.localhost.key" "$work/certs/default.key"
  chmod -R 755 "$work/certs"
  cat "$work/certs/bench.localhost.crt" "$work/certs/bench.localhost.key" > "$work/bench.pem"
  tls_listen=" ssl"; [ "$scheme" = h2 ] && tls_listen=" ssl http2"
  tls_conf="ssl_certificate $work/certs/bench.localhost.crt; ssl_certificate_key $work/certs/bench.localhost.key; ssl_protocols TLSv1.2 TLSv1.3;"
fi
mkdir -p "$work/www" && printf 'hello from the backend\n' > "$work/www/index.html"

nginx_conf() { # $1 = name, $2 = server block
  cat > "$work/$1.conf" <<CONF
worker_processes $workers;
daemon off;
pid $work/$1.pid;
error_log $work/$1-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 128; }
  $2
}
CONF
  nginx -p "$work" -c "$work/$1.conf" &
  pids+=($!)
}
nginx_conf backend "server { listen 127.0.0.1:$backend_port; root $work/www; keepalive_requests 1000000; }"
nginx_conf reference "server { listen 127.0.0.1:$nginx_port$tls_listen; $tls_conf keepalive_requests 1000000;
  location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\";
               proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; } }"

haproxy_bind="127.0.0.1:$haproxy_port"; $tls && haproxy_bind="$haproxy_bind ssl crt $work/bench.pem"
[ "$scheme" = h2 ] && haproxy_bind="$haproxy_bind alpn h2,http/1.1"
cat > "$work/haproxy.cfg" <<CONF
global
  nbthread $workers
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend reference
  bind $haproxy_bind
  option forwardfor
  default_backend backend
backend backend
  server app 127.0.0.1:$backend_port
CONF
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
redis-cli -p "$redis_port" rpush frontend:bench.localhost bench "http://127.0.0.1:$backend_port" >/dev/null
# WHARF_BENCH_OPTIONS="allow 127.0.0.0/8 lb least-conn": route options (SPEC §6) on the benchmarked route, to
# measure what they cost; none by default (the plain request path).
if [ -n "${WHARF_BENCH_OPTIONS:-}" ]; then
  # shellcheck disable=SC2086
  redis-cli -p "$redis_port" hset wharf:options:bench.localhost $WHARF_BENCH_OPTIONS >/dev/null
fi
# The JVM options the Docker image uses; override with WHARF_JAVA_OPTS (and the jar with WHARF_JAR).
java ${WHARF_JAVA_OPTS:--XX:+UseParallelGC -XX:MetaspaceSize=64m} -jar "${WHARF_JAR:-proxy/target/wharf-proxy.jar}" --redis-url "redis://127.0.0.1:$redis_port" --bind 127.0.0.1 \
  --admin-port "$admin_port" --access-log off --workers "${WHARF_WORKERS:-$workers}" \
  $($tls && echo "--http-port $(free_port) --https-port $wharf_port --cert-dir $work/certs" \
                          || echo "--http-port $wharf_port --https-port 0") >"$work/wharf.log" 2>&1 &
pids+=($!)
url() { # $1 = port of a proxy
  if $tls; then echo "https://bench.localhost:$1/"; else echo "http://127.0.0.1:$1/"; fi
}
resolve=(--resolve "bench.localhost:$wharf_port:127.0.0.1" --resolve "bench.localhost:$nginx_port:127.0.0.1"
         --resolve "bench.localhost:$haproxy_port:127.0.0.1")
for _ in $(seq 1 100); do curl -sfk "${resolve[@]}" -H 'Host: bench.localhost' "$(url "$wharf_port")" >/dev/null && break; sleep 0.1; done
curl -sfk "${resolve[@]}" -H 'Host: bench.localhost' "$(url "$nginx_port")" >/dev/null
curl -sfk "${resolve[@]}" -H 'Host: bench.localhost' "$(url "$haproxy_port")" >/dev/null
allocated() { # bytes the Wharf JVM has allocated so far (counted at each young GC)
  curl -s "http://127.0.0.1:$admin_port/metrics" | awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f", $2}'
}

run_h2() { # $1 = port, $2 = seconds -> "req/s p50 p99 status", from h2load's log of every request
  rm -f "$work/h2load.log"
  h2load -t1 -c8 -m$(( connections / 8 > 0 ? connections / 8 : 1 )) -D "$2" -H ':authority: bench.localhost' \
    --log-file "$work/h2load.log" "https://127.0.0.1:$1/" > "$work/h2load.out" 2>&1 || true
  python3 - "$work/h2load.out" "$work/h2load.log" <<'PY'
import re, statistics, sys
out = open(sys.argv[1]).read()
rps = float(re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out).group(1))
m = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
micros = sorted(int(line.split()[2]) for line in open(sys.argv[2]) if line.strip())
def q(p): return micros[min(len(micros) - 1, int(p * len(micros)))] / 1000
status = "ok" if m and m.group(3) == "0" and m.group(4) == "0" and int(m.group(2)) > 0 else "errors"
print("%.0f %.2f %.2f %s" % (rps, q(0.50), q(0.99), status))
PY
}

run() { # $1 = port, $2 = seconds -> "req/s p50 p99" (latencies in ms)
  if [ "$scheme" = h2 ] && [ "$1" != "$backend_port" ]; then run_h2 "$1" "$2"; return; fi
  local target="http://127.0.0.1:$1/"
  $tls && [ "$1" != "$backend_port" ] && target="https://127.0.0.1:$1/"
  wrk -t1 -c"$connections" -d"$2"s --latency -H 'Host: bench.localhost' "${connection_header[@]}" "$target" | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
print("%.0f %.2f %.2f %s" % (rps, ms("50%"), ms("99%"), "errors" if errors else "ok"))'
}

read -r r a b status < <(run "$backend_port" 5)
echo "reference, wrk straight to the backend (no proxy): $r req/s, p50 $a ms, p99 $b ms"
echo "warming up the proxies (JIT, pools, TLS): $warmup_runs runs of $warmup_seconds s each"
for port in "$wharf_port" "$nginx_port" "$haproxy_port"; do
  for _ in $(seq 1 "$warmup_runs"); do run "$port" "$warmup_seconds" >/dev/null; done
done
printf '\n%-8s %10s %9s %9s %12s\n' proxy 'req/s' 'p50 ms' 'p99 ms' 'bytes/req'
results=()
orders=("nginx haproxy wharf" "wharf nginx haproxy" "haproxy wharf nginx")   # each goes first once
for round in 1 2 3; do
  for name in ${orders[$((round - 1))]}; do
    case $name in nginx) port=$nginx_port ;; haproxy) port=$haproxy_port ;; wharf) port=$wharf_port ;; esac
    before=$(allocated)
    read -r r a b status < <(run "$port" "$seconds")
    per="-"
    [ $name = wharf ] && per=$(python3 -c "print('%.0f' % (($(allocated) - $before) / ($r * $seconds)))")
    printf '%-8s %10s %9s %9s %12s  (round %d%s)\n' "$name" "$r" "$a" "$b" "$per" "$round" "$([ "$status" = ok ] || echo ', ERRORS')"
    results+=("$name $r $a $b")
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
def med(name, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == name)
print()
for name in ("wharf", "nginx", "haproxy"):
    print("median of 3 rounds: %-7s %6.0f req/s, p50 %.2f ms, p99 %.2f ms" % (name, med(name, 1), med(name, 2), med(name, 3)))
w, pw = med("wharf", 1), med("wharf", 3)
for ref in ("nginx", "haproxy"):
    print("Wharf/%s: req/s ratio %.2f, p99 ratio %.2f" % (ref, w / med(ref, 1), pw / med(ref, 3)))
print("targets against nginx: http req/s ratio >= 1.10 and p99 ratio <= 1.00; https (both modes) req/s ratio >= 1.00 and p99 ratio <= 1.20; h2 req/s ratio >= 1.00 and p99 ratio <= 1.00")'
