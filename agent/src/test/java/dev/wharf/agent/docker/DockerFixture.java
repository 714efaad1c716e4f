package dev.wharf.agent.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.wharf.testing.Integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real containers for agent tests, from the local {@code busybox:1.36} image (CI builds it; a laptop may
 * pull it). Everything a test creates is removed by {@link #close()}: there is no Ryuk here.
 */
public final class DockerFixture implements AutoCloseable {

    public static final String IMAGE = "busybox:1.36";

    private final DockerClient docker;
    private final List<String> containers = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();

    private DockerFixture(DockerClient docker) {
        this.docker = docker;
    }

    /** A fixture on the engine at DOCKER_HOST or the default socket, or skip/fail when there is none. */
    public static DockerFixture connect() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        DockerClient client = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(60)).build());
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            throw Integration.unavailable("Docker engine at " + config.getDockerHost() + " (" + e.getMessage() + ")");
        }
        if (client.listImagesCmd().withImageNameFilter(IMAGE).exec().isEmpty()) {
            try {
                client.pullImageCmd(IMAGE).start().awaitCompletion(120, TimeUnit.SECONDS);
            } catch (RuntimeException | InterruptedException e) {
                throw Integration.unavailable("image " + IMAGE + " (not local, and pulling failed: " + e.getMessage() + ")");
            }
        }
        return new DockerFixture(client);
    }

    public DockerClient client() {
        return docker;
    }

    public Backend backend(String name) {
        return new Backend(name);
    }

    public String createNetwork(String name) {
        docker.createNetworkCmd().withName(name).withDriver("bridge").exec();
        networks.add(name);
        return name;
    }

    public void stop(String id) {
        docker.stopContainerCmd(id).withTimeout(1).exec();
    }

    /** {@code docker stop} with Docker's default 10 s grace; returns when the container has exited. */
    public void stopGracefully(String id) {
        docker.stopContainerCmd(id).exec();
    }

    public boolean running(String id) {
        return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning());
    }

    /** {@code docker rm -f}: the container and its address are gone at once. */
    public void remove(String id) {
        docker.removeContainerCmd(id).withForce(true).exec();
    }

    public void pause(String id) {
        docker.pauseContainerCmd(id).exec();
    }

    public void unpause(String id) {
        docker.unpauseContainerCmd(id).exec();
    }

    public void exec(String id, String... command) {
        String exec = docker.execCreateCmd(id).withCmd(command).exec().getId();
        try {
            docker.execStartCmd(exec).start().awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int restartCount(String id) {
        Integer count = docker.inspectContainerCmd(id).exec().getRestartCount();
        return count == null ? 0 : count;
    }

    public String ip(String id, String network) {
        return docker.inspectContainerCmd(id).exec().getNetworkSettings().getNetworks().get(network).getIpAddress();
    }

    public int hostPort(String id, int containerPort) {
        var bindings = docker.inspectContainerCmd(id).exec().getNetworkSettings().getPorts().getBindings();
        return Integer.parseInt(bindings.get(ExposedPort.tcp(containerPort))[0].getHostPortSpec());
    }

    @Override
    public void close() {
        for (String id : containers) {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // Already gone.
            }
        }
        for (String network : networks) {
            try {
                docker.removeNetworkCmd(network).exec();
            } catch (RuntimeException ignored) {
                // Already gone.
            }
        }
    }

    /** A busybox httpd on port 8080 serving a page that names the container. */
    public final class Backend {
        private final String name;
        private final Map<String, String> labels = new HashMap<>();
        private final List<String> env = new ArrayList<>();
        private final List<String> extraNetworks = new ArrayList<>();
        private String network;
        private HealthCheck healthCheck;
        private boolean publish;
        private boolean crashesOnFile;
        private int drainSeconds = -1;

        private Backend(String name) {
            this.name = name + "-" + Long.toHexString(System.nanoTime());
        }

        public Backend label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Backend env(String key, String value) {
            env.add(key + "=" + value);
            return this;
        }

        public Backend network(String first, String... more) {
            network = first;
            extraNetworks.addAll(List.of(more));
            return this;
        }

        /** Healthy once {@code /www/ready} exists. */
        public Backend healthcheckOnReadyFile() {
            healthCheck = new HealthCheck().withTest(List.of("CMD", "test", "-f", "/www/ready"))
                    .withInterval(TimeUnit.MILLISECONDS.toNanos(300)).withTimeout(TimeUnit.SECONDS.toNanos(2))
                    .withRetries(1);
            return this;
        }

        /** Like a real server on SIGTERM: keeps serving for {@code seconds}, then exits. */
        public Backend drainsOnStop(int seconds) {
            drainSeconds = seconds;
            return this;
        }

        /**
         * Exits with status 1 once {@code /www/crash} exists, and Docker restarts it (restart policy
         * {@code on-failure}); it removes the file when it starts again.
         */
        public Backend crashesOnFileAndRestarts() {
            crashesOnFile = true;
            return this;
        }

        /** Publishes container port 8080 on a random 127.0.0.1 port. */
        public Backend published() {
            publish = true;
            return this;
        }

        public String name() {
            return name;
        }

        /** Creates and starts it; returns the container id. */
        public String start() {
            HostConfig host = HostConfig.newHostConfig();
            if (network != null) {
                host.withNetworkMode(network);
            }
            if (publish) {
                host.withPortBindings(PortBinding.parse("127.0.0.1::8080"));
            }
            if (crashesOnFile) {
                host.withRestartPolicy(RestartPolicy.onFailureRestart(10));
            }
            String serve = crashesOnFile
                    ? "rm -f /www/crash; httpd -f -p 8080 -h /www & while [ ! -f /www/crash ]; do sleep 0.1; done; exit 1"
                    : drainSeconds < 0
                    ? "exec httpd -f -p 8080 -h /www"
                    : "httpd -f -p 8080 -h /www & pid=$!; trap 'sleep " + drainSeconds + "; kill $pid; exit 0' TERM; wait $pid";
            CreateContainerCmd create = docker.createContainerCmd(IMAGE)
                    .withName(name)
                    .withLabels(labels)
                    .withEnv(env)
                    .withExposedPorts(ExposedPort.tcp(8080))
                    .withCmd("sh", "-c", "mkdir -p /www && echo " + name + " > /www/index.html && " + serve)
                    .withHostConfig(host);
            if (healthCheck != null) {
                create.withHealthcheck(healthCheck);
            }
            String id = create.exec().getId();
            containers.add(id);
            for (String extra : extraNetworks) {
                docker.connectToNetworkCmd().withNetworkId(extra).withContainerId(id).exec();
            }
            docker.startContainerCmd(id).exec();
            return id;
        }
    }
}
