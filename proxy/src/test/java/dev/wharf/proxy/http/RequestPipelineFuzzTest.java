package dev.wharf.proxy.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.metrics.ProxyMetrics;
import dev.wharf.proxy.pool.BackendPools;
import dev.wharf.proxy.route.DeadBackends;
import dev.wharf.proxy.route.RouteCache;
import dev.wharf.proxy.auth.BasicAuth;
import dev.wharf.route.Frontend;
import dev.wharf.route.LookupAnswer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.route.LookupOrder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw bytes, in one to three reads, into the client pipeline that the proxy builds (HTTP/1.1 codec and the
 * proxying handler), with a route source that knows no host: a request that passes every check is routed and
 * answered 404 by the proxy itself. Whatever the bytes: no exception escapes into the handler, no input
 * buffer is left unreleased, and every answer other than the 404, 200 (ping) or 100 closes the connection.
 * Committed inputs replay in every test run; {@code .ci/fuzz} fuzzes it for a bounded time.
 */
class RequestPipelineFuzzTest {

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static final ProxySettings DEFAULTS = TestProxy.defaults("redis://127.0.0.1:1");
    static final ProxyContext CONTEXT = context(); // Http2PipelineFuzzTest shares it
    private static final ProxyInitializer INITIALIZER = new ProxyInitializer(CONTEXT,
            new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));

    /** Path routes whose options answer locally, so that hostile targets meet path matching and route options. */
    private static final String OPTIONS_HOST = "app.test";
    private static final List<Frontend> OPTION_ROUTES = List.of(
            new Frontend(OPTIONS_HOST, "/r", "r", List.of("http://192.0.2.1:80"), Set.of(), Map.of("redirect", "https://example.com/x")),
            new Frontend(OPTIONS_HOST, "/s", "s", List.of("http://192.0.2.1:80"), Set.of(), Map.of("https-redirect", "true")),
            new Frontend(OPTIONS_HOST, "/deny", "d", List.of("http://192.0.2.1:80"), Set.of(), Map.of("allow", "192.0.2.0/24")));

    private static ProxyContext context() {
        RouteCache routes = new RouteCache((host, candidates) -> CompletableFuture.completedFuture(
                LookupAnswer.of(host.equals(OPTIONS_HOST) ? OPTION_ROUTES : List.of())),
                new LookupOrder(LookupOrder.DEFAULT_XIP_DOMAINS), LookupOrder.DEFAULT_XIP_DOMAINS, Duration.ofSeconds(1));
        ProxyMetrics metrics = new ProxyMetrics();
        try {
            // Dead marks and pools are never reached: no route has a backend a request gets to.
            return new ProxyContext(DEFAULTS.clients(), DEFAULTS.backends(), false, routes,
                    new DeadBackends(null, Duration.ofSeconds(1), metrics),
                    new BackendPools(NioSocketChannel.class, 1, Duration.ofSeconds(1)), new BasicAuth(1), AccessLog.open("off"), metrics,
                    // One token an order waits on, so that the challenge path is fuzzed too.
                    token -> CompletableFuture.completedFuture(token.equals("fuzz-token")
                            ? java.util.Optional.of("fuzz-token.key") : java.util.Optional.empty()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void anyBytesGetAnAnswerOrACloseAndNothingLeaks(FuzzedDataProvider data) {
        List<ByteBuf> reads = new ArrayList<>();
        int pieces = data.consumeInt(1, 3);
        for (int i = 0; i < pieces; i++) {
            byte[] bytes = i == pieces - 1 ? data.consumeRemainingAsBytes() : data.consumeBytes(data.consumeInt(0, 512));
            if (bytes.length > 0) { // an empty wrap is the shared EMPTY_BUFFER, never released
                reads.add(Unpooled.wrappedBuffer(bytes));
            }
        }
        double errorsBefore = CONTEXT.metrics.clientErrors();

        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        INITIALIZER.initPipeline(channel);
        try {
            channel.register(); // active only now, so the handler sees channelActive as on a real connection
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // (register's comment) only now, so the handler sees channelActive as on a real connection
        for (ByteBuf read : reads) {
            if (channel.isActive()) {
                channel.writeInbound(read.retain());
            }
            read.release();
            channel.runPendingTasks();
        }
        StringBuilder out = new StringBuilder();
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ByteBuf bytes = (ByteBuf) written;
            out.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        boolean open = channel.isActive();
        channel.finishAndReleaseAll();

        assertThat(CONTEXT.metrics.clientErrors()).as("exceptions in the pipeline").isEqualTo(errorsBefore);
        for (ByteBuf read : reads) {
            assertThat(read.refCnt()).as("input buffers released").isZero();
        }
        Matcher status = STATUS_LINE.matcher(out);
        int at = 0;
        while (status.find(at)) {
            int code = Integer.parseInt(status.group(1));
            int end = out.indexOf("\r\n\r\n", status.start());
            String head = end < 0 ? out.substring(status.start()) : out.substring(status.start(), end);
            if (code != 404 && code != 200 && code != 100 && code != 308 && code != 403) { // local answers keep it open
                assertThat(code).as("refusals are 4xx/5xx").isBetween(400, 599);
                assertThat(head.toLowerCase()).as("a refusal closes").contains("connection: close");
                assertThat(open).as("the connection after a refusal").isFalse();
            }
            at = status.end();
        }
    }
}
