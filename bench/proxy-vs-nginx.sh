#!/usr/bin/env bash
# Wharf vs nginx proxying the same backend, in one run on loopback, same load, same worker count.
# Prints req/s, p50 and p99 for each and the ratio Wharf/nginx (target: >= 1.0 req/s, p99 no worse).
# Needs: wrk, nginx-light, redis-server (Debian packages); builds the proxy jar if missing.
# Usage: bench/proxy-vs-nginx.sh [seconds=10] [connections=64] [workers=2] [http|https]
# With https, both proxies terminate TLS with the same certificate (made here with openssl); the backend stays
# plain HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
workers=${3:-2}
scheme=${4:-http}
for tool in wrk nginx redis-server; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx-light redis-server)"; exit 1; }
done
[ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -pl proxy -am package -DskipTests

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${BENCH_DEBUG:-}" ] && trap 'cat "$work"/*.log; cleanup' EXIT

backend_port=$(free_port); nginx_port=$(free_port); wharf_port=$(free_port); redis_port=$(free_port)
chmod 755 "$work"
tls_listen=""; tls_conf=""
if [ "$scheme" = https ]; then
  mkdir -p "$work/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.localhost -addext subjectAltName=DNS:bench.localhost \
    -keyout "$work/certs/bench.localhost.key" -out "$work/certs/bench.localhost.crt" 2>/dev/null
  # wrk sends no SNI to 127.0.0.1: the same certificate is Wharf's default too.
  cp "$work/certs/bench.localhost.crt" "$work/certs/default.crt"; cp "$work/certs/bench.localhost.key" "$work/certs/default.key"
  chmod -R 755 "$work/certs"
  tls_listen=" ssl"
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

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
redis-cli -p "$redis_port" rpush frontend:bench.localhost bench "http://127.0.0.1:$backend_port" >/dev/null
# The JVM options the Docker image uses; override with WHARF_JAVA_OPTS.
java ${WHARF_JAVA_OPTS:--XX:+UseParallelGC} -jar proxy/target/wharf-proxy.jar --redis-url "redis://127.0.0.1:$redis_port" --bind 127.0.0.1 \
  --admin-port 0 --access-log off --workers "$workers" \
  $([ "$scheme" = https ] && echo "--http-port $(free_port) --https-port $wharf_port --cert-dir $work/certs" \
                          || echo "--http-port $wharf_port --https-port 0") >"$work/wharf.log" 2>&1 &
pids+=($!)
url() { # $1 = port of a proxy
  if [ "$scheme" = https ]; then echo "https://bench.localhost:$1/"; else echo "http://127.0.0.1:$1/"; fi
}
resolve=(--resolve "bench.localhost:$wharf_port:127.0.0.1" --resolve "bench.localhost:$nginx_port:127.0.0.1")
for _ in $(seq 1 100); do curl -sfk "${resolve[@]}" -H 'Host: bench.localhost' "$(url "$wharf_port")" >/dev/null && break; sleep 0.1; done
curl -sfk "${resolve[@]}" -H 'Host: bench.localhost' "$(url "$nginx_port")" >/dev/null

run() { # $1 = port, $2 = seconds -> "req/s p50 p99" (latencies in ms)
  local target="http://127.0.0.1:$1/"
  [ "$scheme" = https ] && [ "$1" != "$backend_port" ] && target="https://127.0.0.1:$1/"
  wrk -t1 -c"$connections" -d"$2"s --latency -H 'Host: bench.localhost' "$target" | python3 -c '
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
echo "warming up both proxies (JIT, pools, TLS): $seconds s each"
run "$wharf_port" "$seconds" >/dev/null; run "$nginx_port" "$seconds" >/dev/null
printf '\n%-8s %10s %9s %9s\n' proxy 'req/s' 'p50 ms' 'p99 ms'
results=()
for round in 1 2 3; do
  order="nginx wharf"; [ $((round % 2)) = 0 ] && order="wharf nginx"   # alternate who goes first
  for name in $order; do
    port=$nginx_port; [ $name = wharf ] && port=$wharf_port
    read -r r a b status < <(run "$port" "$seconds")
    printf '%-8s %10s %9s %9s  (round %d%s)\n' "$name" "$r" "$a" "$b" "$round" "$([ "$status" = ok ] || echo ', ERRORS')"
    results+=("$name $r $a $b")
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
def med(name, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == name)
w, n = med("wharf", 1), med("nginx", 1)
pw, pn = med("wharf", 3), med("nginx", 3)
print("\nmedian of 3 rounds: Wharf %.0f req/s, p99 %.2f ms; nginx %.0f req/s, p99 %.2f ms" % (w, pw, n, pn))
print("Wharf/nginx: req/s ratio %.2f (target >= 1.0), p99 ratio %.2f (target <= 1.0)" % (w / n, pw / pn))'
