package dev.wharf.proxy;

import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.route.BackendProbe;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.HostRoutes;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.proxy.route.RouteEvents;
import dev.wharf.route.BackendUrl;
import dev.wharf.route.LookupOrder;
import dev.wharf.store.RedisConnection;
import dev.wharf.store.RedisTarget;
import dev.wharf.store.RouteStore;
import dev.wharf.testing.Wait;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The engine of {@code bench/redis-scale.sh}: N agents writing route churn with the agents' own scripts
 * ({@link RouteStore#addBackend}, {@link RouteStore#removeBackend}) and M proxies made of the proxy's own route
 * cache, subscription and key tracking ({@link RouteEvents}), all on one Redis, in one JVM on shared Lettuce
 * threads. Every changed host is looked up again by every proxy at once (as if each had traffic for every
 * host), and the time from the agent's write to the proxy holding the new answer is the propagation time.
 * An answer that does not show the change is counted stale. Bounded: a 3 s warm-up, then {@code seconds} of
 * churn at {@code rate} changes per agent per second, one write in flight per agent.
 *
 * <p>Arguments: {@code redisUrl agents proxies frontends seconds rate}; prints one line of figures.
 */
public final class ScaleSimulation {

    private record Change(long startedNanos, int backends) {
    }

    private static final int WARM_UP_SECONDS = 3;

    private volatile long measureFrom = Long.MAX_VALUE;
    private final Map<String, Change> latest = new ConcurrentHashMap<>();
    private final long[] samples = new long[5_000_000];
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    /** Each agent's "a write is in flight" flag: a change is counted when its write is answered. */
    private final List<AtomicBoolean> writing = new ArrayList<>();
    private final AtomicLong superseded = new AtomicLong();

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ScaleSimulation <redisUrl> <agents> <proxies> <frontends> <seconds> <rate per agent>");
            System.exit(2);
        }
        new ScaleSimulation().run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        System.exit(0);
    }

    private void run(String url, int agents, int proxies, int frontends, int seconds, int rate) throws Exception {
        RedisClient control = RedisClient.create(url);
        StatefulRedisConnection<String, String> admin = control.connect();
        preload(admin.async(), frontends);

        ClientResources shared = RedisConnection.sharedResources();
        RedisTarget target = RedisTarget.parse(url);
        List<RouteEvents> events = new ArrayList<>();
        List<RouteCache> caches = new ArrayList<>();
        for (int p = 0; p < proxies; p++) {
            events.add(startProxy(RedisConnection.sharing(target, shared), caches));
        }
        Wait.until("every proxy subscribed and tracking", Duration.ofSeconds(20),
                () -> events.stream().allMatch(e -> e.subscribed() && e.tracking()));
        warm(caches, frontends);

        ScheduledExecutorService ticks = churn(() -> new RouteStore(RedisConnection.sharing(target, shared)), agents,
                frontends, rate);
        TimeUnit.SECONDS.sleep(WARM_UP_SECONDS); // the JIT's turn: changes before measuring counts nothing
        Map<String, String> before = info(admin);
        long startedNanos = System.nanoTime();
        measureFrom = startedNanos;
        TimeUnit.SECONDS.sleep(seconds); // the length of the run, not a wait for something to happen
        ticks.shutdownNow();
        long churnNanos = System.nanoTime() - startedNanos;
        ticks.awaitTermination(5, TimeUnit.SECONDS);
        Map<String, String> after = info(admin);
        settle(proxies);

        long[] sorted = Arrays.copyOf(samples, (int) Math.min(recorded.get(), samples.length));
        Arrays.sort(sorted);
        double elapsed = churnNanos / 1e9;
        double ops = (number(after, "total_commands_processed") - number(before, "total_commands_processed")) / elapsed;
        double cpu = (number(after, "used_cpu_user") + number(after, "used_cpu_sys")
                - number(before, "used_cpu_user") - number(before, "used_cpu_sys")) / elapsed * 100;
        System.out.printf("agents=%d proxies=%d frontends=%d changes=%d (%.0f/s, %d skipped: write in flight) "
                        + "updates=%d/%d superseded=%d stale=%d failed=%d propagation p50=%.2f ms p99=%.2f ms max=%.2f ms "
                        + "redis ops/s=%.0f redis cpu=%.0f%% clients=%s memory=%s%n",
                agents, proxies, frontends, changes.get(), changes.get() / elapsed, skipped.get(),
                recorded.get(), changes.get() * proxies, superseded.get(), stale.get(), failed.get(),
                millis(sorted, 0.50), millis(sorted, 0.99), millis(sorted, 1.0), ops, cpu,
                after.get("connected_clients"), after.get("used_memory_human"));
        admin.close();
        control.shutdown();
    }

    /** {@code frontends} routes of one backend each, as agents would have written them. */
    private static void preload(RedisAsyncCommands<String, String> redis, int frontends) {
        redis.flushall().toCompletableFuture().join();
        List<RedisFuture<?>> batch = new ArrayList<>();
        for (int i = 0; i < frontends; i++) {
            batch.add(redis.rpush("frontend:" + host(i), host(i), "http://10.1." + (i / 250 % 250) + "." + (i % 250) + ":80"));
            if (batch.size() == 1000 || i == frontends - 1) {
                LettuceFutures.awaitAll(Duration.ofSeconds(30), batch.toArray(new RedisFuture[0]));
                batch.clear();
            }
        }
    }

    private RouteEvents startProxy(RedisConnection redis, List<RouteCache> caches) {
        RouteStore store = new RouteStore(redis);
        LookupOrder order = new LookupOrder(LookupOrder.DEFAULT_XIP_DOMAINS);
        // A TTL longer than the run: every answer seen changed was told, not expired.
        RouteCache cache = new RouteCache(store::lookup, order, LookupOrder.DEFAULT_XIP_DOMAINS, Duration.ofMinutes(10));
        ProxyMetrics metrics = new ProxyMetrics();
        DeadBackends dead = new DeadBackends(store::markDead, Duration.ofSeconds(30), metrics);
        BackendProbe probe = new BackendProbe(store, order, Duration.ofSeconds(30), metrics, "sim-" + caches.size());
        Map<String, Long> seen = new ConcurrentHashMap<>();
        RouteEvents events = new RouteEvents(redis, cache, dead, metrics, probe,
                host -> lookAgain(cache, seen, host), host -> { });
        caches.add(cache);
        events.start();
        return events;
    }

    /**
     * Each proxy caches 100 hosts besides those that change, so that each change is matched against a cache; a
     * real proxy's is larger, and it has its own cores to scan it with.
     */
    private static void warm(List<RouteCache> caches, int frontends) {
        for (RouteCache cache : caches) {
            for (int i = 0; i < Math.min(frontends, 100); i++) {
                cache.resolve(host(i)).join();
            }
        }
    }

    /** A proxy told of a change looks the host up again, once per change, and checks what it got. */
    private void lookAgain(RouteCache cache, Map<String, Long> seen, String host) {
        Change change = latest.get(host);
        if (change == null || Long.valueOf(change.startedNanos()).equals(seen.put(host, change.startedNanos()))) {
            return;
        }
        if (change.startedNanos() < measureFrom) {
            cache.resolve(host);
            return;
        }
        cache.resolve(host).whenComplete((routes, error) -> {
            long now = System.nanoTime();
            if (error != null) {
                failed.incrementAndGet();
                return;
            }
            if (latest.get(host) != change) {
                superseded.incrementAndGet(); // a later change came meanwhile; its own notice is measured
                return;
            }
            if (backends(routes) != change.backends()) {
                stale.incrementAndGet();
                return;
            }
            long index = recorded.getAndIncrement();
            if (index < samples.length) {
                samples[(int) index] = now - change.startedNanos();
            }
        });
    }

    private static int backends(HostRoutes routes) {
        return routes.routes().isEmpty() ? 0 : routes.routes().get(0).backends().size();
    }

    /**
     * Agent {@code a} owns the hosts {@code i % agents == a} and toggles a second backend on a random one of them,
     * {@code rate} times a second, one write in flight.
     */
    private ScheduledExecutorService churn(Supplier<RouteStore> connect, int agents, int frontends, int rate) {
        ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
        Map<String, Boolean> twoBackends = new ConcurrentHashMap<>();
        for (int a = 0; a < agents; a++) {
            int agent = a;
            RouteStore store = connect.get(); // a connection per agent, as agents on many hosts have
            AtomicBoolean inFlight = new AtomicBoolean();
            writing.add(inFlight);
            ticks.scheduleAtFixedRate(() -> {
                if (!inFlight.compareAndSet(false, true)) {
                    skipped.incrementAndGet();
                    return;
                }
                int owned = Math.max(1, (frontends - agent + agents - 1) / agents);
                int i = agent + agents * ThreadLocalRandom.current().nextInt(owned);
                String host = host(Math.min(i, frontends - 1));
                BackendUrl extra = BackendUrl.parse("http://10.2.0." + (agent % 250 + 1) + ":8080");
                boolean add = !twoBackends.getOrDefault(host, false);
                long started = System.nanoTime();
                latest.put(host, new Change(started, add ? 2 : 1));
                var write = add ? store.addBackend(host, host, extra) : store.removeBackend(host, extra);
                write.whenComplete((changed, error) -> {
                    if (error == null) {
                        twoBackends.put(host, add);
                        if (started >= measureFrom) {
                            changes.incrementAndGet();
                        }
                    } else {
                        failed.incrementAndGet();
                    }
                    inFlight.set(false);
                });
            }, ThreadLocalRandom.current().nextLong(1_000_000_000L / rate), 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
        }
        return ticks;
    }

    /**
     * Waits (at most 5 s) until the last writes are answered and every proxy has answered for every change; what is
     * missing then is reported. (A write still in flight when the churn stops is a change counted late.)
     */
    private void settle(int proxies) {
        try {
            Wait.until("every proxy's new answers", Duration.ofSeconds(5),
                    () -> writing.stream().noneMatch(AtomicBoolean::get)
                    && recorded.get() + stale.get() + failed.get() + superseded.get() >= changes.get() * proxies);
        } catch (AssertionError | RuntimeException missing) {
            System.err.println(missing.getMessage());
        }
    }

    private static String host(int i) {
        return "sim" + i + ".test";
    }

    private static Map<String, String> info(StatefulRedisConnection<String, String> redis) {
        Map<String, String> fields = new ConcurrentHashMap<>();
        for (String line : redis.sync().info("everything").split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }

    private static double number(Map<String, String> info, String field) {
        return Double.parseDouble(info.getOrDefault(field, "0"));
    }

    private static double millis(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
