package dev.wharf.agent;

import dev.wharf.agent.docker.ContainerEvent;
import dev.wharf.agent.docker.DockerEngine;
import dev.wharf.agent.metrics.AgentMetrics;
import dev.wharf.agent.sync.Reconciler;
import dev.wharf.agent.sync.StaleAgents;
import dev.wharf.store.RedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Executors;
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
 *
 * <p>{@link #start} is the one place where an agent is put together, for the command and for tests alike.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    private static final String RECONCILE_ALL = "";
    private static final String CHECK_STORE = "?";
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Duration RECONNECT_LOG_EVERY = Duration.ofSeconds(10);

    private final DockerEngine docker;
    private final RedisConnection redis;
    private final Reconciler reconciler;
    /** Null unless {@code --stale-agent}. */
    private final StaleAgents staleAgents;
    private final WorkQueue work = new WorkQueue();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("wharf-timer"));
    private final Backoff syncBackoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    private final Thread syncThread;
    private final EventWatch events;
    private volatile boolean running = true;
    private volatile boolean syncFailing;
    private volatile long lastReconnectLog = System.nanoTime() - RECONNECT_LOG_EVERY.toNanos() - 1;

    private final AgentMetrics metrics;

    private Agent(AgentParts parts) {
        this.staleAgents = parts.staleAgents();
        this.docker = parts.docker();
        this.redis = parts.redis();
        this.reconciler = parts.reconciler();
        this.metrics = parts.metrics();
        redis.onReconnect(this::redisReconnected);
        this.events = new EventWatch(docker, this::changed, () -> work.add(RECONCILE_ALL));
        metrics.state("wharf.agent.docker.watching", "1 while the Docker events stream is open", events::watching);
        metrics.state("wharf.agent.sync.ok", "1 while the last sync with Redis succeeded", () -> !syncFailing);
        this.syncThread = daemon("wharf-sync").newThread(this::syncLoop);
    }

    /**
     * Connects to the Docker engine and Redis and starts watching and syncing. Waits for the engine only when the
     * agent id is its host name.
     */
    public static Agent start(AgentSettings settings) throws InterruptedException {
        Agent agent = new Agent(AgentParts.wire(settings, true));
        agent.syncThread.start();
        agent.events.start();
        long resync = settings.resync().toMillis();
        agent.timer.scheduleWithFixedDelay(() -> agent.work.add(RECONCILE_ALL), resync, resync, TimeUnit.MILLISECONDS);
        agent.timer.scheduleWithFixedDelay(() -> agent.work.add(CHECK_STORE),
                CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return agent;
    }

    /** {@code --once}: one full reconcile, then everything is closed. Fails if the engine or Redis does not answer. */
    public static void once(AgentSettings settings) throws InterruptedException {
        try (Agent agent = new Agent(AgentParts.wire(settings, false))) {
            agent.reconcileAll();
        }
    }

    private void reconcileAll() {
        Reconciler.Reconciled done = reconciler.reconcileAll();
        metrics.reconciled(true);
        log.info("reconciled {} containers in {} ms: {} route(s) changed (Docker and records read in {} ms, written in {} ms)",
                done.containers(), done.readMillis() + done.writeMillis(), done.routesChanged(), done.readMillis(),
                done.writeMillis());
        if (staleAgents != null) {
            staleAgents.sweep(); // after this agent's own heartbeat, which the reconcile just wrote
        }
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    /** For tests: warnings, and a convergence on demand. */
    public Reconciler reconciler() {
        return reconciler;
    }

    /** An event names a container whose routes may have changed. Events thread. */
    private void changed(ContainerEvent event) {
        metrics.event();
        switch (event.kind()) {
            case STOPPING -> reconciler.stopping(event.id());
            case STARTED -> reconciler.started(event.id());
            default -> { }
        }
        work.add(event.id());
    }

    /** Redis answers again after a lost connection: it may have lost writes meanwhile. Never blocks. */
    private void redisReconnected() {
        work.add(RECONCILE_ALL);
        long now = System.nanoTime();
        if (now - lastReconnectLog > RECONNECT_LOG_EVERY.toNanos()) { // with Sentinel, each of its connections counts
            lastReconnectLog = now;
            log.info("Redis connection re-established; applying the current state");
        }
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
                    reconcileAll();
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

    /** True while Docker events are watched and the last sync succeeded. */
    public boolean healthy() {
        return events.watching() && !syncFailing;
    }

    /** Stops watching and syncing, then closes the connections; routes stay in place unless {@code deregister}. */
    public synchronized void stop(boolean deregister) {
        if (!running) {
            return;
        }
        running = false;
        timer.shutdownNow();
        events.close();
        syncThread.interrupt();
        join(syncThread);
        if (deregister) {
            reconciler.deregisterAll();
            log.info("removed the routes this agent wrote (--deregister-on-exit)");
        }
        redis.close();
        closeQuietly(docker);
    }

    @Override
    public void close() {
        stop(false);
    }

    static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(Closeable closeable) {
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
