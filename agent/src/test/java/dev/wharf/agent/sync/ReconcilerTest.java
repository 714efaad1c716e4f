package dev.wharf.agent.sync;

import dev.wharf.agent.docker.ContainerSnapshot.Health;
import dev.wharf.agent.docker.Containers;
import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.routing.RoutePlanner;
import dev.wharf.agent.routing.RoutingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reconciler against an in-memory engine and store: no Docker, no Redis. */
class ReconcilerTest {

    private final FakeContainers docker = new FakeContainers();
    private final FakeStore store = new FakeStore();
    private final Reconciler reconciler = new Reconciler(docker, new RoutePlanner(RoutingSettings.defaults()), store,
            new AgentMetrics());

    @Test
    void routesRunningContainersAndWritesNothingNewOnAnIdleResync() {
        docker.run("1", "a.com", "10.0.0.1");
        docker.run("2", "a.com", "10.0.0.2");
        docker.run("3", "b.com", "10.0.0.3");
        reconciler.reconcileAll();
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.1:80", "a.com -> http://10.0.0.2:80",
                "b.com -> http://10.0.0.3:80");
        int records = store.recordWrites;

        reconciler.reconcileAll();
        assertThat(store.recordWrites).as("records written by an idle resync").isEqualTo(records);
        assertThat(store.routes()).hasSize(3);
    }

    @Test
    void eventsLateTwiceOrOutOfOrderChangeNothingBeyondTheContainersStateNow() {
        docker.run("1", "a.com", "10.0.0.1");
        reconciler.converge("1");
        reconciler.converge("1"); // the same event again
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.1:80");

        docker.stop("1");
        docker.destroy("1");
        reconciler.converge("1"); // "destroy" handled first
        reconciler.converge("1"); // then the late "die", then the "start" from before: the container is gone
        reconciler.converge("1");
        assertThat(store.routes()).isEmpty();
        assertThat(store.records).isEmpty();
        assertThat(store.statuses).isEmpty();
    }

    @Test
    void aGoneContainersRecordNeverTakesTheRouteOfTheOneThatGotItsAddress() {
        docker.run("old", "a.com", "10.0.0.1");
        reconciler.reconcileAll();
        docker.destroy("old");
        docker.run("new", "a.com", "10.0.0.1"); // Docker reuses the lowest free address
        reconciler.converge("new");
        reconciler.converge("old");
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.1:80");
        assertThat(store.records).containsOnlyKeys("new");

        docker.run("old2", "a.com", "10.0.0.2");
        reconciler.reconcileAll();
        docker.destroy("new");
        docker.destroy("old2");
        docker.run("newer", "a.com", "10.0.0.1");
        reconciler.reconcileAll(); // both gone in one batch, one of the addresses taken again
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.1:80");
        assertThat(store.records).containsOnlyKeys("newer");
    }

    /** The connection is lost after each possible number of writes: no route is ever left that no record names. */
    @ParameterizedTest(name = "fails after {0} writes")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void aWriteFailingHalfWayLeavesNoRouteNobodyOwnsAndTheRetryConverges(int writesBeforeFailure) {
        docker.run("1", "a.com", "10.0.0.1");
        docker.run("2", "b.com", "10.0.0.2");
        reconciler.reconcileAll();
        docker.destroy("1");
        docker.run("3", "a.com", "10.0.0.3");
        docker.put(Containers.container().noNetworks().network("bridge", "10.0.0.2").label("VIRTUAL_HOST", "c.com")
                .exposed(80).build("2", "c-2")); // recreated under the same id with another host: moves b.com to c.com

        store.failAfter(writesBeforeFailure);
        try {
            reconciler.reconcileAll();
        } catch (RuntimeException lost) {
            assertThat(lost).hasMessageContaining("connection lost");
        }
        assertThat(store.ownedRoutes()).containsAll(store.routes());

        store.heal();
        reconciler.reconcileAll();
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.3:80", "c.com -> http://10.0.0.2:80");
        assertThat(store.ownedRoutes()).isEqualTo(store.routes());
    }

    @Test
    void aFailedWriteIsReportedToTheCaller() {
        docker.run("1", "a.com", "10.0.0.1");
        store.failAfter(0);
        assertThatThrownBy(reconciler::reconcileAll).hasMessageContaining("connection lost");
        assertThatThrownBy(() -> reconciler.converge("1")).hasMessageContaining("connection lost");
    }

    @Test
    void redisComingBackEmptyIsNoticedAndEverythingIsWrittenAgain() {
        docker.run("1", "a.com", "10.0.0.1");
        reconciler.reconcileAll();
        assertThat(reconciler.storeLostItsState()).isFalse();

        store.emptied();
        assertThat(reconciler.storeLostItsState()).isTrue();
        reconciler.reconcileAll();
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.1:80");
        assertThat(store.records).containsOnlyKeys("1");
        assertThat(store.statuses).containsEntry("1", "routed");
    }

    @Test
    void aStoppingContainerLeavesAtOnceUnlessItIsTheLastBackend() {
        docker.run("1", "a.com", "10.0.0.1");
        docker.run("2", "a.com", "10.0.0.2");
        docker.run("3", "b.com", "10.0.0.3");
        reconciler.reconcileAll();

        reconciler.stopping("1");
        reconciler.stopping("3");
        reconciler.converge("1");
        reconciler.converge("3");
        assertThat(store.routes()).containsExactly("a.com -> http://10.0.0.2:80", "b.com -> http://10.0.0.3:80");

        reconciler.started("1"); // restarted before it stopped
        reconciler.converge("1");
        assertThat(store.routes()).contains("a.com -> http://10.0.0.1:80");
    }

    @Test
    void recordsWhyAContainerIsNotRoutedAndForgetsItWhenItIsDestroyed() {
        docker.put(Containers.container().label("VIRTUAL_HOST", "a.com").health(Health.UNHEALTHY).build("1", "web-1"));
        reconciler.converge("1");
        assertThat(store.statuses).containsEntry("1", "is unhealthy");
        assertThat(store.routes()).isEmpty();

        docker.destroy("1");
        reconciler.reconcileAll(); // destroyed while nothing listened: found through its status
        assertThat(store.statuses).isEmpty();
    }

    @Test
    void deregisteringRemovesEverythingThisAgentWroteAndNothingElse() {
        docker.run("1", "a.com", "10.0.0.1");
        docker.put(Containers.container().label("VIRTUAL_HOST", "b.com").stopped().build("2", "web-2"));
        store.frontends.put("hand.made", new java.util.ArrayList<>(java.util.List.of("http://10.9.9.9:80")));
        reconciler.reconcileAll();
        reconciler.converge("2");

        reconciler.deregisterAll();
        assertThat(store.routes()).containsExactly("hand.made -> http://10.9.9.9:80");
        assertThat(store.records).isEmpty();
        assertThat(store.statuses).isEmpty();
    }

    @Test
    void aResyncInspectsEachContainerOnce() {
        for (int i = 0; i < 50; i++) {
            docker.run("c" + i, "h" + i + ".com", "10.0." + (i / 200) + "." + (i % 200 + 1));
        }
        reconciler.reconcileAll();
        int before = docker.inspections;
        reconciler.reconcileAll();
        assertThat(docker.inspections - before).isEqualTo(50);
        assertThat(Set.copyOf(store.records.keySet())).hasSize(50);
    }
}
