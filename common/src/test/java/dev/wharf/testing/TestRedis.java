package dev.wharf.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The Redis that integration tests share, found in this order so that {@code mvn verify} works anywhere:
 * the URL in {@code WHARF_TEST_REDIS_URL}; else a {@code redis-server} from the PATH on a free port; else a
 * Testcontainers {@code redis:7-alpine}; else the test is skipped, or fails under {@code WHARF_REQUIRE_INTEGRATION}.
 *
 * <p>Tests share it, so each test uses host names of its own ({@link #uniqueHost}) instead of flushing.
 */
public final class TestRedis {

    public static final String URL_ENV = "WHARF_TEST_REDIS_URL";

    private static String url;
    private static RuntimeException unavailable;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (unavailable != null) {
            throw unavailable;
        }
        if (url == null) {
            try {
                url = find();
            } catch (RuntimeException e) {
                unavailable = e;
                throw e;
            }
        }
        return url;
    }

    /** A host name no other test uses, e.g. {@code shop-1f3a9c.test}. */
    public static String uniqueHost(String name) {
        return name + "-" + Long.toHexString(System.nanoTime()) + ".test";
    }

    private static String find() {
        String fromEnv = System.getenv(URL_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        var local = RedisServer.startIfInstalled();
        if (local.isPresent()) {
            return local.get().url();
        }
        if (dockerAvailable()) {
            GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(redis::stop));
            return "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
        }
        throw Integration.unavailable("Redis (no " + URL_ENV + ", no redis-server on the PATH, no Docker)");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
