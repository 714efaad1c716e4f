#!/usr/bin/env python3
"""Time from `docker run -d` returning to the route being in Redis, for N labelled containers.

Prints each latency, then p50/p95/p99/max, and the ratio to the time `docker run -d` itself took
(the reference measured in the same run). Bounded: N containers, each waited for at most 5 s.
"""
import socket
import statistics
import subprocess
import sys
import time

redis_port, count = int(sys.argv[1]), int(sys.argv[2])
image = sys.argv[3] if len(sys.argv) > 3 else "busybox:1.36"


def redis(sock, *args):
    sock.sendall(("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)).encode())
    line = sock.recv(65536)
    return line


sock = socket.create_connection(("127.0.0.1", redis_port))
route_ms, run_ms, names = [], [], []
try:
    for i in range(count):
        host = "bench-%d-%d.localhost" % (time.time_ns(), i)
        name = "wharf-bench-%d-%d" % (time.time_ns(), i)
        names.append(name)
        before = time.perf_counter()
        subprocess.run(["docker", "run", "-d", "--name", name, "-l", "VIRTUAL_HOST=" + host,
                        "-l", "VIRTUAL_PORT=8080", image, "httpd", "-f", "-p", "8080", "-h", "/"],
                       check=True, stdout=subprocess.DEVNULL)
        returned = time.perf_counter()
        deadline = returned + 5
        while redis(sock, "EXISTS", "frontend:" + host) != b":1\r\n":
            if time.perf_counter() > deadline:
                print("route for %s not live after 5 s" % host)
                sys.exit(1)
            time.sleep(0.0005)
        live = time.perf_counter()
        route_ms.append((live - returned) * 1000)
        run_ms.append((returned - before) * 1000)
        print("container %2d: docker run %.0f ms, route live %.1f ms after it returned" % (i, run_ms[-1], route_ms[-1]))
finally:
    subprocess.run(["docker", "rm", "-f"] + names, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

first_ms = route_ms[0]
route_ms.sort()
p95 = route_ms[min(len(route_ms) - 1, int(round(0.95 * (len(route_ms) - 1))))]
p99 = route_ms[min(len(route_ms) - 1, int(round(0.99 * (len(route_ms) - 1))))]
print()
print("first container (cold JVM paths): %.1f ms" % first_ms)
print("route live after docker run returned: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms"
      " (targets: p50 <= 10 ms, p99 <= 50 ms)" % (statistics.median(route_ms), p95, p99, route_ms[-1]))
print("reference, docker run -d itself: p50 %.0f ms; route latency / docker run time = %.2f"
      % (statistics.median(run_ms), statistics.median(route_ms) / statistics.median(run_ms)))
