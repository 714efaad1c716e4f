package dev.wharf.agent;

import dev.wharf.agent.docker.ContainerEvent;
import dev.wharf.agent.docker.DockerEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The Docker events stream, on a thread of its own: reconnects with backoff whenever the engine goes away, and asks
 * for a full reconcile after every (re)subscription, since events may have been missed meanwhile.
 */
final class EventWatch implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(EventWatch.class);
    /** Events are asked for from a little before the last one seen: replays are harmless, gaps are not. */
    private static final long REPLAY_SECONDS = 2;

    private final DockerEngine docker;
    private final Consumer<ContainerEvent> onEvent;
    private final Runnable onSubscribed;
    private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean watching;
    private volatile Closeable stream;

    EventWatch(DockerEngine docker, Consumer<ContainerEvent> onEvent, Runnable onSubscribed) {
        this.docker = docker;
        this.onEvent = onEvent;
        this.onSubscribed = onSubscribed;
        this.thread = new Thread(this::watchLoop, "wharf-docker-events");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** True while the events stream is open. */
    boolean watching() {
        return watching;
    }

    private void watchLoop() {
        long since = Instant.now().getEpochSecond() - REPLAY_SECONDS;
        while (running) {
            try {
                String version = docker.checkVersion();
                CompletableFuture<Throwable> ended = new CompletableFuture<>();
                stream = docker.watch(since, onEvent, ended::complete);
                log.info("watching Docker events at {} (engine {})", docker.dockerHost(), version);
                watching = true;
                // Subscribed first, then reconcile: a container that changes meanwhile is seen either way.
                onSubscribed.run();
                backoff.reset();
                Throwable error = ended.get();
                watching = false;
                since = Instant.now().getEpochSecond() - REPLAY_SECONDS;
                if (running) {
                    log.warn("Docker events stream ended ({}); reconnecting",
                            error == null ? "closed by the engine" : error.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                Duration delay = backoff.next();
                log.warn("Docker engine at {} unreachable ({}); retrying in {} ms",
                        docker.dockerHost(), e.getMessage(), delay.toMillis());
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException stopped) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        Agent.closeQuietly(stream);
        Agent.join(thread);
        watching = false;
    }
}
