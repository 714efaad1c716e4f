package dev.wharf.proxy.route;

import dev.wharf.route.Frontend;
import dev.wharf.route.LookupAnswer;
import dev.wharf.route.LookupOrder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache against a Redis in memory that can stop answering, as in a failover. */
class RouteCacheTest {

    private final Map<String, List<String>> frontends = new HashMap<>();
    private final AtomicInteger lookups = new AtomicInteger();
    private boolean answering = true;
    private CompletableFuture<LookupAnswer> held;

    private final RouteCache cache = cache(RouteCache.RECONNECT_GRACE);

    private RouteCache cache(Duration reconnectGrace) {
        return new RouteCache((host, candidates) -> lookup(host), LookupOrder.withDefaults(), LookupOrder.DEFAULT_XIP_DOMAINS,
                Duration.ofHours(1), reconnectGrace);
    }

    private CompletionStage<LookupAnswer> lookup(String host) {
        lookups.incrementAndGet();
        if (held != null) {
            return held;
        }
        if (!answering) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection lost"));
        }
        List<String> backends = frontends.get(host);
        return CompletableFuture.completedFuture(LookupAnswer.of(backends == null ? List.of()
                : List.of(new Frontend(host, host, backends, Set.of()))));
    }

    private List<String> backendsOf(String host) {
        return cache.resolve(host).join().routes().stream()
                .flatMap(route -> route.backends().stream()).map(backend -> backend.url().toString()).toList();
    }

    @Test
    void aChangedRouteIsLookedUpAgainBeforeTheNextRequestIsServed() {
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.1:80");

        frontends.put("a.com", List.of("http://10.0.0.2:80"));
        cache.evictFrontend("a.com");
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.2:80");
        int after = lookups.get();
        backendsOf("a.com");
        assertThat(lookups.get()).as("cached again").isEqualTo(after);
    }

    @Test
    void aChangeAnnouncedWhileRedisDoesNotAnswerKeepsServingTheLastAnswerNot503() {
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        backendsOf("a.com");

        answering = false; // the new master publishes the agents' rewrites before commands work on this side
        cache.evictFrontend("a.com");
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.1:80");
        cache.refreshAll();
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.1:80");

        answering = true;
        frontends.put("a.com", List.of("http://10.0.0.3:80"));
        assertThat(backendsOf("a.com")).as("looked up again once Redis answers").containsExactly("http://10.0.0.3:80");
    }

    @Test
    void aLookupUnderWayWhenTheRouteChangesIsNotKept() {
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        backendsOf("a.com");
        cache.evictFrontend("a.com");

        held = new CompletableFuture<>();
        CompletableFuture<HostRoutes> underWay = cache.resolve("a.com");
        cache.evictFrontend("a.com"); // changed again while that lookup is under way
        held.complete(LookupAnswer.of(List.of(new Frontend("a.com", "a.com", List.of("http://10.0.0.2:80"), Set.of()))));
        underWay.join();
        held = null;

        frontends.put("a.com", List.of("http://10.0.0.4:80"));
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.4:80");
    }

    @Test
    void aHostNeverSeenGets503WhileRedisDoesNotAnswer() {
        answering = false;
        assertThatThrownBy(() -> cache.resolve("new.com").join()).hasCauseInstanceOf(RouteCache.RouteStoreUnavailable.class);
    }

    @Test
    void afterAReconnectEveryAnswerIsServedAtOnceAndRefreshedBehind() {
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        backendsOf("a.com");
        frontends.put("a.com", List.of("http://10.0.0.5:80"));
        cache.refreshAll();
        assertThat(backendsOf("a.com")).as("served the cached answer, refresh started").containsExactly("http://10.0.0.1:80");
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.5:80");
    }

    @Test
    void afterAReconnectARouteMissingFromRedisIsServedUntilTheAgentsWriteAgain() {
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        backendsOf("a.com");

        frontends.clear(); // Redis came back empty, or failed over to a replica that missed the write
        cache.refreshAll();
        backendsOf("a.com"); // served, refresh started
        assertThat(backendsOf("a.com")).as("an empty answer right after a reconnect is not believed").containsExactly("http://10.0.0.1:80");

        frontends.put("a.com", List.of("http://10.0.0.2:80")); // the agent writes again: its message voids the answer
        cache.evictFrontend("a.com");
        assertThat(backendsOf("a.com")).containsExactly("http://10.0.0.2:80");

        frontends.clear(); // then really removed: a route message, believed at once
        cache.evictFrontend("a.com");
        assertThat(backendsOf("a.com")).isEmpty();
    }

    @Test
    void pastTheGraceAnEmptyAnswerIsBelieved() {
        RouteCache noGrace = cache(Duration.ZERO);
        frontends.put("a.com", List.of("http://10.0.0.1:80"));
        noGrace.resolve("a.com").join();
        frontends.clear();
        noGrace.refreshAll();
        noGrace.resolve("a.com").join();
        assertThat(noGrace.resolve("a.com").join().routes()).isEmpty();
    }
}
