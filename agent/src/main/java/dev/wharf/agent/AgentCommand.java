package dev.wharf.agent;

import dev.wharf.admin.AdminServer;
import dev.wharf.cli.Cli;
import dev.wharf.agent.routing.RoutingSettings;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.Hosts;
import dev.wharf.store.RedisTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code wharf-agent}: every option also reads {@code WHARF_<OPTION>}; the command line wins (SPEC §5). */
@Command(name = "wharf-agent", mixinStandardHelpOptions = true, version = "wharf-agent 0.1.0",
        sortOptions = false, showDefaultValues = true,
        description = "Watches one Docker engine and writes routes for containers labelled VIRTUAL_HOST "
                + "into Redis, in Hipache's format.")
public final class AgentCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--redis-url", defaultValue = "${env:WHARF_REDIS_URL:-redis://127.0.0.1:6379}",
            description = "Route store: redis://[:password@]host[:port][/db][#prefix], rediss://, redis-sentinel://. Env: WHARF_REDIS_URL.")
    String redisUrl;

    @Option(names = "--admin-port", defaultValue = "${env:WHARF_ADMIN_PORT:-8082}",
            description = "Port of /healthz, /readyz and /metrics (0 = off). Env: WHARF_ADMIN_PORT.")
    int adminPort;

    @Option(names = "--admin-bind", defaultValue = "${env:WHARF_ADMIN_BIND:-127.0.0.1}",
            description = "Address the admin port listens on. Env: WHARF_ADMIN_BIND.")
    String adminBind;

    @Option(names = "--docker-host", defaultValue = "${env:WHARF_DOCKER_HOST:-${env:DOCKER_HOST:-unix:///var/run/docker.sock}}",
            description = "Docker engine: unix:///path or tcp://host:port. Env: WHARF_DOCKER_HOST, else DOCKER_HOST.")
    String dockerHost;

    @Option(names = "--agent-id", defaultValue = "${env:WHARF_AGENT_ID}",
            description = "Name of this agent's route records (default: the Docker engine's host name). Env: WHARF_AGENT_ID.")
    String agentId;

    @Option(names = "--network", defaultValue = "${env:WHARF_NETWORK}",
            description = "Network the proxy reaches containers on; a container's IP on it is preferred. Env: WHARF_NETWORK.")
    String network;

    @Option(names = "--domain", split = ",", defaultValue = "${env:WHARF_DOMAIN}",
            description = "Also publish short names (VIRTUAL_HOST=blog) as blog.<domain>; repeatable. Env: WHARF_DOMAIN (comma-separated).")
    List<String> domains = new ArrayList<>();

    @Option(names = "--advertise-ip", defaultValue = "${env:WHARF_ADVERTISE_IP}",
            description = "Published mode: route to this host IP and the host port VIRTUAL_PORT is published on. Env: WHARF_ADVERTISE_IP.")
    String advertiseIp;

    @Option(names = "--resync", defaultValue = "${env:WHARF_RESYNC:-60}",
            description = "Seconds between full reconciles, a safety net behind the events stream. Env: WHARF_RESYNC.")
    long resyncSeconds;

    @Option(names = "--stale-agent", defaultValue = "${env:WHARF_STALE_AGENT:-0}",
            description = "Seconds after which an agent not heard of is taken for gone: any agent then removes the routes it "
                    + "wrote (0 = never). At least twice every agent's --resync. Env: WHARF_STALE_AGENT.")
    long staleAgentSeconds;

    @Option(names = "--once", defaultValue = "${env:WHARF_ONCE:-false}",
            description = "Reconcile once and exit (for cron or debugging). Env: WHARF_ONCE.")
    boolean once;

    @Option(names = "--dry-run", defaultValue = "${env:WHARF_DRY_RUN:-false}",
            description = "Print what would be written; write nothing. Env: WHARF_DRY_RUN.")
    boolean dryRun;

    @Option(names = "--deregister-on-exit", defaultValue = "${env:WHARF_DEREGISTER_ON_EXIT:-false}",
            description = "On SIGTERM remove the routes this agent wrote (default: leave them, no downtime). Env: WHARF_DEREGISTER_ON_EXIT.")
    boolean deregisterOnExit;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return Cli.commandLine(new AgentCommand());
    }

    @Override
    public Integer call() throws Exception {
        RedisTarget target = Cli.option(spec, "--redis-url", () -> RedisTarget.parse(redisUrl));
        if (resyncSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--resync must be at least 1 second, not " + resyncSeconds);
        }
        if (staleAgentSeconds < 0 || staleAgentSeconds > 0 && staleAgentSeconds < 2 * resyncSeconds) {
            throw new ParameterException(spec.commandLine(), "--stale-agent must be 0 (off) or at least twice --resync ("
                    + 2 * resyncSeconds + " s): agents say they are alive once per resync; not " + staleAgentSeconds);
        }
        AgentSettings settings = new AgentSettings(dockerHost, target, Optional.ofNullable(agentId), routingSettings(),
                Duration.ofSeconds(resyncSeconds), dryRun,
                Optional.of(Duration.ofSeconds(staleAgentSeconds)).filter(after -> !after.isZero()));
        if (once) {
            Agent.once(settings);
            return 0;
        }
        runUntilTerminated(Agent.start(settings));
        return 0;
    }

    private void runUntilTerminated(Agent agent) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        AdminServer admin = adminPort > 0
                ? new AdminServer(adminBind, adminPort, agent::healthy, agent::healthy, agent.metrics().registry()) : null;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping{}", deregisterOnExit ? "" : "; routes stay in place");
            agent.stop(deregisterOnExit);
            if (admin != null) {
                admin.close();
            }
            stopped.countDown();
        }, "wharf-shutdown"));
        if (admin != null) {
            admin.start();
        }
        stopped.await();
    }

    private RoutingSettings routingSettings() {
        List<String> normalised = new ArrayList<>();
        for (String domain : domains) {
            if (!domain.isBlank()) {
                normalised.add(Cli.option(spec, "--domain", () -> Hosts.frontendHost(domain)));
            }
        }
        Optional<String> ip = Optional.ofNullable(advertiseIp).filter(s -> !s.isBlank()).map(String::trim);
        ip.ifPresent(value -> Cli.option(spec, "--advertise-ip", () -> BackendUrl.http(value, 80)));
        return new RoutingSettings(Optional.ofNullable(network).filter(s -> !s.isBlank()), normalised, ip);
    }
}
