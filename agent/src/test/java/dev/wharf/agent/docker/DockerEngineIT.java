package dev.wharf.agent.docker;

import dev.wharf.testing.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's container list tells a container's changing state exactly as an inspection does. */
class DockerEngineIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private DockerFixture docker;
    private DockerEngine engine;

    @BeforeEach
    void connect() {
        docker = DockerFixture.connect();
        engine = new DockerEngine(System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));
    }

    @AfterEach
    void close() throws Exception {
        engine.close();
        docker.close();
    }

    @Test
    void aResyncInspectsOnlyContainersWhoseStateChanged() {
        String network = docker.createNetwork("engine-it");
        String plain = docker.backend("plain").start();
        String published = docker.backend("published").published().start();
        String twoNetworks = docker.backend("two-nets").network("bridge", network).start();
        String checked = docker.backend("checked").healthcheckOnReadyFile().start();
        String paused = docker.backend("paused").start();
        docker.pause(paused);
        List<String> ours = List.of(plain, published, twoNetworks, checked, paused);
        // Its first check (300 ms after start, no ready file yet) moves it from starting to unhealthy, where it stays
        // until the file exists: a change between the two resyncs below if it came between them.
        Wait.until("first health check run", WAIT,
                () -> engine.inspect(checked).orElseThrow().health() == ContainerSnapshot.Health.UNHEALTHY);

        Map<String, Optional<ContainerSnapshot>> first = engine.inspectAll(running(ours));
        assertThat(first.get(paused).orElseThrow().paused()).isTrue();
        assertThat(first.get(published).orElseThrow().publishedPorts()).containsKey(8080);
        assertThat(first.get(twoNetworks).orElseThrow().networks()).hasSize(2);

        long before = engine.inspections();
        Map<String, Optional<ContainerSnapshot>> again = engine.inspectAll(running(ours));
        assertThat(engine.inspections() - before).as("inspections of unchanged containers").isZero();
        assertThat(again).isEqualTo(first);

        docker.exec(checked, "touch", "/www/ready");
        Wait.until("healthy in the container list", WAIT, () -> {
            List<String> ids = running(ours);
            return engine.inspectAll(ids).get(checked).orElseThrow().health() == ContainerSnapshot.Health.HEALTHY;
        });
        docker.unpause(paused);
        before = engine.inspections();
        Map<String, Optional<ContainerSnapshot>> changed = engine.inspectAll(running(ours));
        assertThat(engine.inspections() - before).as("only the unpaused one is inspected").isEqualTo(1);
        assertThat(changed.get(paused).orElseThrow().paused()).isFalse();
        changed.forEach((id, snapshot) -> assertThat(snapshot).isEqualTo(engine.inspect(id)));
    }

    /** The list the resync starts from; the ids of this test's containers, in its order. */
    private List<String> running(List<String> ours) {
        List<String> all = engine.runningIds();
        assertThat(all).containsAll(ours);
        return ours;
    }
}
