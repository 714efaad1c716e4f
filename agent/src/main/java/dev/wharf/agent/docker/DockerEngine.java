package dev.wharf.agent.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One Docker engine, through docker-java. Two clients: the events stream may stay silent for hours, so it
 * has no response timeout; every other call has one, so a stuck engine cannot stall the agent.
 */
public final class DockerEngine implements ContainerSource, Closeable {

    /** Oldest API with health_status events and network connect/disconnect events. */
    private static final double MIN_API_VERSION = 1.24;

    private static final Set<String> CONTAINER_ACTIONS =
            Set.of("start", "restart", "die", "stop", "kill", "pause", "unpause", "destroy", "rename", "update");

    /**
     * Inspections under way at once in a full reconcile: one costs the engine ~0.5 ms and this side several times
     * that (HTTP, JSON), so a few in parallel keep both busy; a thousand containers are read in well under a second.
     */
    private static final int PARALLEL_INSPECTIONS = 4;

    private final String dockerHost;
    private final DockerClient calls;
    private final DockerClient events;
    /** The last inspection of each running container, reused while the container list shows it unchanged. */
    private final Map<String, ContainerSnapshot> known = new ConcurrentHashMap<>();
    /** What the last container list showed of each container it could tell exactly. */
    private volatile Map<String, ContainerSnapshot.State> listed = Map.of();
    private final AtomicLong inspections = new AtomicLong();
    private final ExecutorService inspectors = Executors.newFixedThreadPool(PARALLEL_INSPECTIONS, runnable -> {
        Thread thread = new Thread(runnable, "wharf-docker-inspect");
        thread.setDaemon(true);
        return thread;
    });

    public DockerEngine(String dockerHost) {
        this.dockerHost = dockerHost;
        this.calls = client(dockerHost, Duration.ofSeconds(30));
        this.events = client(dockerHost, null);
    }

    private static DockerClient client(String dockerHost, Duration responseTimeout) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .build();
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return DockerClientImpl.getInstance(config, http.build());
    }

    public String dockerHost() {
        return dockerHost;
    }

    /** Checks the engine answers and speaks a recent enough API; returns "version (API x)" for the log. */
    public String checkVersion() {
        var version = calls.versionCmd().exec();
        String api = version.getApiVersion();
        if (api != null && parseApi(api) < MIN_API_VERSION) {
            throw new IllegalStateException("Docker engine at " + dockerHost + " speaks API " + api
                    + ", Wharf needs " + MIN_API_VERSION + " or newer");
        }
        return version.getVersion() + " (API " + api + ")";
    }

    private static double parseApi(String api) {
        try {
            return Double.parseDouble(api);
        } catch (NumberFormatException e) {
            return Double.MAX_VALUE;
        }
    }

    /** The engine's host name: the default agent id. */
    public String hostName() {
        return calls.infoCmd().exec().getName();
    }

    @Override
    public List<String> runningIds() {
        List<Container> containers = calls.listContainersCmd().exec();
        Map<String, ContainerSnapshot.State> states = new HashMap<>();
        containers.forEach(container -> Snapshots.stateOf(container).ifPresent(state -> states.put(container.getId(), state)));
        listed = states;
        known.keySet().retainAll(states.keySet());
        return containers.stream().map(Container::getId).toList();
    }

    /** Always asks the engine (after an event, the list may be older than the container's state). */
    @Override
    public Optional<ContainerSnapshot> inspect(String containerId) {
        inspections.incrementAndGet();
        try {
            ContainerSnapshot snapshot = Snapshots.of(calls.inspectContainerCmd(containerId).exec());
            known.put(containerId, snapshot);
            return Optional.of(snapshot);
        } catch (NotFoundException e) {
            known.remove(containerId);
            return Optional.empty();
        }
    }

    /** Inspections made so far (a resync of unchanged containers makes none). */
    public long inspections() {
        return inspections.get();
    }

    @Override
    public Map<String, Optional<ContainerSnapshot>> inspectAll(Collection<String> containerIds) {
        Map<String, ContainerSnapshot.State> states = listed;
        List<Future<Optional<ContainerSnapshot>>> inspections = containerIds.stream().map(id -> {
            ContainerSnapshot last = known.get(id);
            return last != null && last.state().equals(states.get(id))
                    ? CompletableFuture.completedFuture(Optional.of(last)) : inspectors.submit(() -> inspect(id));
        }).toList();
        Map<String, Optional<ContainerSnapshot>> all = new LinkedHashMap<>();
        Iterator<Future<Optional<ContainerSnapshot>>> results = inspections.iterator();
        try {
            for (String id : containerIds) {
                all.put(id, results.next().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while inspecting containers", e);
        } catch (ExecutionException e) {
            inspections.forEach(inspection -> inspection.cancel(false));
            throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
        }
        return all;
    }

    /**
     * Streams the ids of containers whose routing may have changed, from {@code sinceEpochSeconds} on
     * (the engine replays events since then, so none is missed across a reconnect). Returns at once;
     * {@code ended} is called once when the stream stops, with the error if there was one.
     */
    public Closeable watch(long sinceEpochSeconds, Consumer<ContainerEvent> changed, Consumer<Throwable> ended) {
        return events.eventsCmd()
                .withEventTypeFilter(EventType.CONTAINER, EventType.NETWORK)
                .withSince(Long.toString(sinceEpochSeconds))
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event event) {
                        eventOf(event).ifPresent(changed);
                    }

                    @Override
                    public void onError(Throwable error) {
                        ended.accept(error);
                        super.onError(error);
                    }

                    @Override
                    public void onComplete() {
                        ended.accept(null);
                        super.onComplete();
                    }
                });
    }

    static Optional<ContainerEvent> eventOf(Event event) {
        String action = event.getAction() == null ? "" : event.getAction();
        var attributes = event.getActor() == null ? null : event.getActor().getAttributes();
        if (event.getType() == EventType.CONTAINER
                && (CONTAINER_ACTIONS.contains(action) || action.startsWith("health_status"))) {
            String signal = attributes == null ? null : attributes.get("signal");
            return Optional.ofNullable(event.getActor() == null ? event.getId() : event.getActor().getId())
                    .map(id -> new ContainerEvent(id, ContainerEvent.kindOf(action, signal)));
        }
        if (event.getType() == EventType.NETWORK && (action.equals("connect") || action.equals("disconnect"))
                && attributes != null) {
            return Optional.ofNullable(attributes.get("container"))
                    .map(id -> new ContainerEvent(id, ContainerEvent.Kind.CHANGED));
        }
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        inspectors.shutdownNow();
        calls.close();
        events.close();
    }
}
