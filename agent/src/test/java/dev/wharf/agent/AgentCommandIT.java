package dev.wharf.agent;

import dev.wharf.agent.docker.DockerFixture;
import dev.wharf.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code wharf-agent} as a user runs it: options in, routes (or a clear error) out. */
class AgentCommandIT {

    private DockerFixture docker;
    private RedisClient client;
    private StatefulRedisConnection<String, String> redis;
    private final String agentId = "cli-" + Long.toHexString(System.nanoTime());

    @BeforeEach
    void setUp() {
        docker = DockerFixture.connect();
        client = RedisClient.create(TestRedis.url());
        redis = client.connect();
    }

    @AfterEach
    void tearDown() {
        if (docker != null) {
            docker.close();
        }
        if (client != null) {
            redis.sync().del("wharf:agent:" + agentId);
            redis.close();
            client.shutdown();
        }
    }

    private static int run(String... args) {
        return AgentCommand.commandLine().execute(args);
    }

    @Test
    void onceReconcilesAndExits() {
        String host = TestRedis.uniqueHost("once");
        String id = docker.backend("once").label("VIRTUAL_HOST", host).start();

        assertThat(run("--once", "--redis-url", TestRedis.url(), "--agent-id", agentId)).isZero();

        assertThat(redis.sync().lrange("frontend:" + host, 0, -1))
                .containsExactly(host, "http://" + docker.ip(id, "bridge") + ":8080");
        assertThat(redis.sync().hexists("wharf:agent:" + agentId, id)).isTrue();
    }

    @Test
    void dryRunPrintsWhatItWouldWriteAndWritesNothing() {
        String host = TestRedis.uniqueHost("dry");
        String id = docker.backend("dry").label("VIRTUAL_HOST", host).start();
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThat(run("--once", "--dry-run", "--redis-url", TestRedis.url(), "--agent-id", agentId)).isZero();
        } finally {
            System.setOut(original);
        }

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("would ensure " + host + " -> http://" + docker.ip(id, "bridge") + ":8080");
        assertThat(redis.sync().exists("frontend:" + host, "wharf:agent:" + agentId)).isZero();
    }

    @Test
    void rejectsABadOptionWithOneLineNamingIt() {
        StringWriter err = new StringWriter();
        CommandLine command = AgentCommand.commandLine();
        command.setErr(new PrintWriter(err));

        int exit = command.execute("--once", "--redis-url", "http://127.0.0.1:6379", "--agent-id", agentId);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("wharf-agent: --redis-url: invalid Redis URL 'http://127.0.0.1:6379': "
                + "scheme must be one of redis://, rediss://, redis-sentinel://, redis-socket:// (see --help)" + System.lineSeparator());
    }

    @Test
    void refusesAStaleAgentLimitShorterThanTwoResyncs() {
        StringWriter err = new StringWriter();
        CommandLine command = AgentCommand.commandLine();
        command.setErr(new PrintWriter(err));

        int exit = command.execute("--once", "--resync", "60", "--stale-agent", "90", "--agent-id", agentId);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("wharf-agent: --stale-agent must be 0 (off) or at least twice --resync (120 s)");
    }
}
