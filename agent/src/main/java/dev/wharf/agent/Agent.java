package dev.wharf.agent;

import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.sync.Reconciler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running agent. One thread watches Docker events (reconnecting with backoff), one thread does all the
 * syncing from a queue, so events, resyncs and retries never race each other:
 *
 * <pre>
 *   docker events ──container id──┐
 *   (re)subscribed ──reconcile────┤
 *   Redis is back ───reconcile────┼──▶ queue ──▶ sync thread ──▶ Reconciler ──▶ Redis
 *   --resync timer ──reconcile────┤
 *   every second ────check────────┤   (reconcile if Redis lost this agent's records)
 *   failure retry ──reconcile─────┘
 * </pre>
 *
 * <p>Redis may come back without what the agent wrote (restarted without persistence, flushed, failed over to
 * a replica that lagged) while no container changes: a reconnect, or this agent's records missing, brings a
 * full reconcile within about a second instead of at the next resync.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    private static final String RECONCILE_ALL = "";
    private static final String CHECK_STORE = "?";
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** Events are asked for from a little before the last one seen: replays are harmless, gaps are not. */
    private static final long REPLAY_SECONDS = 2;

    private final DockerEngine docker;
    private final Reconciler reconciler;
    private final Duration resync;
    private final BlockingQueue<String> work = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("wharf-timer"));
    private final Backoff syncBackoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));
    private final Backoff dockerBackoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    private final Thread syncThread;
    private final Thread watchThread;
    private volatile boolean running = true;
    private volatile boolean syncFailing;
    private volatile Closeable eventStream;
    private volatile boolean watching;

    private final AgentMetrics metrics;

    public Agent(DockerEngine docker, Reconciler reconciler, Duration resync, AgentMetrics metrics) {
        this.docker = docker;
        this.reconciler = reconciler;
        this.resync = resync;
        this.metrics = metrics;
        metrics.state("wharf.agent.docker.watching", "1 while the Docker events stream is open", () -> watching);
        metrics.state("wharf.agent.sync.ok", "1 while the last sync with Redis succeeded", () -> !syncFailing);
        this.syncThread = daemon("wharf-sync").newThread(this::syncLoop);
        this.watchThread = daemon("wharf-docker-events").newThread(this::watchLoop);
    }

    public void start() {
        syncThread.start();
        watchThread.start();
        timer.scheduleWithFixedDelay(() -> work.add(RECONCILE_ALL), resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> {
            if (!work.contains(CHECK_STORE)) {
                work.add(CHECK_STORE);
            }
        }, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Redis answers again after a lost connection: it may have lost writes meanwhile. Never blocks. */
    public void redisReconnected() {
        log.info("Redis connection re-established; applying the current state");
        work.add(RECONCILE_ALL);
    }

    private void syncLoop() {
        while (running) {
            String item;
            try {
                item = work.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (item.equals(CHECK_STORE)) {
                    if (syncFailing || !reconciler.storeLostItsState()) {
                        continue;
                    }
                    log.warn("this agent's records are gone from Redis (emptied or replaced); writing every route again");
                    item = RECONCILE_ALL;
                }
                if (item.equals(RECONCILE_ALL)) {
                    reconciler.reconcileAll();
                    metrics.reconciled(true);
                } else {
                    reconciler.converge(item);
                }
                if (syncFailing) {
                    syncFailing = false;
                    log.info("sync works again");
                    work.add(RECONCILE_ALL);
                }
                syncBackoff.reset();
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (item.equals(RECONCILE_ALL)) {
                    metrics.reconciled(false);
                }
                scheduleRetry(e);
            }
        }
    }

    /** One retry at a time: while Redis or Docker is away, events keep failing fast and add nothing. */
    private void scheduleRetry(RuntimeException e) {
        if (retryScheduled.compareAndSet(false, true)) {
            Duration delay = syncBackoff.next();
            if (!syncFailing) {
                log.warn("cannot sync routes ({}); retrying until it works", e.getMessage());
            }
            log.debug("next sync attempt in {} ms", delay.toMillis());
            syncFailing = true;
            timer.schedule(() -> {
                retryScheduled.set(false);
                work.add(RECONCILE_ALL);
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void watchLoop() {
        long since = Instant.now().getEpochSecond() - REPLAY_SECONDS;
        while (running) {
            try {
                String version = docker.checkVersion();
                CompletableFuture<Throwable> ended = new CompletableFuture<>();
                eventStream = docker.watch(since, event -> {
                    metrics.event();
                    switch (event.kind()) {
                        case STOPPING -> reconciler.stopping(event.id());
                        case STARTED -> reconciler.started(event.id());
                        default -> { }
                    }
                    work.add(event.id());
                }, ended::complete);
                log.info("watching Docker events at {} (engine {})", docker.dockerHost(), version);
                watching = true;
                // Subscribed first, then reconcile: a container that changes meanwhile is seen either way.
                work.add(RECONCILE_ALL);
                dockerBackoff.reset();
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
                Duration delay = dockerBackoff.next();
                log.warn("Docker engine at {} unreachable ({}); retrying in {} ms",
                        docker.dockerHost(), e.getMessage(), delay.toMillis());
                sleep(delay);
            }
        }
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True while Docker events are watched and the last sync succeeded. */
    public boolean healthy() {
        return watching && !syncFailing;
    }

    /** Stops watching and syncing; routes stay in place unless {@code deregister}. */
    public void stop(boolean deregister) {
        running = false;
        timer.shutdownNow();
        watchThread.interrupt();
        syncThread.interrupt();
        closeQuietly(eventStream);
        join(syncThread);
        join(watchThread);
        if (deregister) {
            reconciler.deregisterAll();
            log.info("removed the routes this agent wrote (--deregister-on-exit)");
        }
    }

    @Override
    public void close() {
        stop(false);
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (Exception ignored) {
            // Closing a stream that already broke.
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
