#!/usr/bin/env bash
# How far one Redis carries: N simulated agents writing route churn with the agents' own Lua scripts and M
# simulated proxies built from the proxy's own route cache, subscription and key tracking
# (proxy/src/test/java/dev/wharf/proxy/ScaleSimulation.java), on one redis-server of its own, over 100,000
# frontends. Each line: route-change propagation p50/p99 (agent write → every proxy holding the new answer),
# stale answers (must be 0), Redis commands/s and CPU. Everything shares this machine's cores, so Redis CPU and
# the simulation compete; read the figures as a floor.
# Needs: redis-server. Bounded: each round warms up for 3 s, then churns for SECONDS_PER_ROUND (default 8).
# STRICT=1 (CI) fails a round with a stale or failed answer, or one that missed an update.
# Usage: bench/redis-scale.sh [rounds="1x1x5 10x10x5 100x10x2 100x50x1 10x50x10"] (agents x proxies x changes/s per agent)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-"1x1x5 10x10x5 100x10x2 100x50x1 10x50x10"}
seconds=${SECONDS_PER_ROUND:-8}
frontends=${FRONTENDS:-100000}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[ -f proxy/target/wharf-proxy.jar ] || ./mvnw -q -B -pl proxy -am package -DskipTests
[ -d proxy/target/test-classes/dev/wharf/proxy ] || ./mvnw -q -B -pl proxy -am test-compile
common_tests=$(ls common/target/wharf-common-*-tests.jar 2>/dev/null || ls ~/.m2/repository/dev/wharf/wharf-common/*/wharf-common-*-tests.jar | head -1)
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port; $frontends frontends, ${seconds} s per round"
for round in $rounds; do
  IFS=x read -r agents proxies rate <<<"$round"
  line=$(java -Xmx2g -XX:+UseParallelGC -cp "proxy/target/wharf-proxy.jar:proxy/target/test-classes:$common_tests" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    dev.wharf.proxy.ScaleSimulation "redis://127.0.0.1:$port" "$agents" "$proxies" "$frontends" "$seconds" "$rate")
  echo "$line"
  if [ "${STRICT:-0}" = 1 ]; then
    updates=$(sed 's/.*updates=\([0-9]*\)\/\([0-9]*\).*/\1 \2/' <<<"$line")
    read -r seen expected <<<"$updates"
    if ! grep -q ' stale=0 failed=0 ' <<<"$line" || [ "$expected" -eq 0 ] || [ "$seen" -lt "$expected" ]; then
      echo "FAIL: a stale or failed answer, no change, or an update missed ($seen of $expected)"; exit 1
    fi
  fi
done
