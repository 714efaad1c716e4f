# Wharf images: `docker build --target agent` and `--target proxy` (compose.yaml does both).
# Works with the classic builder (no BuildKit cache mounts): the dependency layer is cached instead.

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
# Dependencies and plugins first, from the poms alone: this layer is reused until a pom changes.
COPY pom.xml ./
COPY common/pom.xml common/
COPY agent/pom.xml agent/
COPY proxy/pom.xml proxy/
RUN mvn -B -q -DskipTests package
COPY common/src common/src
COPY agent/src agent/src
COPY proxy/src proxy/src
RUN mvn -B -q -o -DskipTests package

# The agent reads the Docker socket, which belongs to root (or a docker group whose id varies by host).
FROM eclipse-temurin:21-jre AS agent
COPY --from=build /src/agent/target/wharf-agent.jar /opt/wharf/wharf-agent.jar
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8082/healthz || exit 1
# TieredStopAtLevel=1: the agent's work is bursts (a reconcile of every container at start, after a Redis loss), where
# C2's compilations took half the CPU; with C1 only, bench/agent-scale.sh's first reconcile of 1,000 containers took
# 3.5 s instead of 5.4-5.9 s. AutoCreateSharedArchive: classes from an archive made at the first start, so a restarted
# agent (a crash, a dockerd restart) starts its reconcile sooner; -Xlog:cds=off keeps the archive's notes about
# classes it skips out of the log.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+AutoCreateSharedArchive", \
            "-XX:SharedArchiveFile=/tmp/wharf-agent.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", \
            "-jar", "/opt/wharf/wharf-agent.jar"]

# The proxy needs no privilege: it runs as an unprivileged user on 8080/8443 (compose maps 80/443 to them).
FROM eclipse-temurin:21-jre AS proxy
COPY --from=build /src/proxy/target/wharf-proxy.jar /opt/wharf/wharf-proxy.jar
USER 10001:10001
ENV WHARF_HTTP_PORT=8080 WHARF_HTTPS_PORT=8443
EXPOSE 8080 8443
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8081/healthz || exit 1
# MetaspaceSize: the default (21 MB) is crossed after start-up (TLS, ACME, the admin endpoints load classes late),
# and each crossing was a full GC of 45-64 ms in bench/proxy-vs-nginx.sh; 64 MB leaves room for them.
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:MetaspaceSize=64m", "-jar", "/opt/wharf/wharf-proxy.jar"]
