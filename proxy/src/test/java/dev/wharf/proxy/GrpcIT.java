package dev.wharf.proxy;

import dev.wharf.proxy.support.Settings;
import dev.wharf.proxy.support.TestPki;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * gRPC through the proxy with grpc-java on both sides: a real server behind an {@code h2c://} route (what the
 * agent writes for {@code VIRTUAL_PROTO=grpc}), real clients over h2c and over TLS (ALPN h2). The service is
 * defined without protoc: methods carry UTF-8 strings.
 */
class GrpcIT {

    private static final String HOST = "grpc.example.net";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Metadata.Key<String> WHY = Metadata.Key.of("x-why", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> SAY = method(MethodDescriptor.MethodType.UNARY, "Say");
    private static final MethodDescriptor<String, String> COUNT = method(MethodDescriptor.MethodType.SERVER_STREAMING, "Count");
    private static final MethodDescriptor<String, String> CHAT = method(MethodDescriptor.MethodType.BIDI_STREAMING, "Chat");

    private static Server server;
    private static TestProxy proxy;
    private static TestPki pki;
    private static Path certs;
    private static ManagedChannel plain;

    private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type, String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName("wharf.Echo/" + name)
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("wharf.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> reply) -> {
                    if (request.equals("fail")) {
                        Metadata trailers = new Metadata();
                        trailers.put(WHY, "asked to");
                        reply.onError(Status.INVALID_ARGUMENT.withDescription("no fail here").asRuntimeException(trailers));
                    } else {
                        reply.onNext("hello " + request);
                        reply.onCompleted();
                    }
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((String request, StreamObserver<String> reply) -> {
                    for (int i = 1; i <= Integer.parseInt(request); i++) {
                        reply.onNext(Integer.toString(i));
                    }
                    reply.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall((StreamObserver<String> reply) -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String message) {
                        reply.onNext("echo " + message);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        reply.onCompleted();
                    }
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(echo).build().start(); // te: trailers (which it only warns without): Http2BackendIT
        pki = new TestPki();
        certs = Files.createTempDirectory("wharf-grpc");
        pki.issue(certs, "grpc", HOST, Duration.ofDays(1), "EC", HOST);
        proxy = TestProxy.start(TestRedis.url(), s -> Settings.h2c(Settings.https(s, FreePort.find(), certs)));
        proxy.route(HOST, "h2c://127.0.0.1:" + server.getPort());
        plain = Grpc.newChannelBuilderForAddress("127.0.0.1", proxy.port(), InsecureChannelCredentials.create())
                .overrideAuthority(HOST).build();
    }

    @AfterAll
    static void stop() throws Exception {
        plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        proxy.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        try (var files = Files.list(certs)) {
            files.forEach(file -> file.toFile().delete());
        }
        Files.deleteIfExists(certs);
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void unaryCallsOverH2cAndOverTls() throws Exception {
        assertThat(ClientCalls.blockingUnaryCall(plain, SAY, options(), "wharf")).isEqualTo("hello wharf");

        ManagedChannel tls = Grpc.newChannelBuilderForAddress("127.0.0.1", proxy.httpsPort(),
                TlsChannelCredentials.newBuilder().trustManager(pki.trustManagers()).build()).overrideAuthority(HOST).build();
        try {
            assertThat(ClientCalls.blockingUnaryCall(tls, SAY, options(), "over TLS")).isEqualTo("hello over TLS");
        } finally {
            tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** An error is a trailers-only answer (one HEADERS frame ending the stream): status, message, metadata arrive. */
    @Test
    void anErrorStatusArrivesWithItsMessageAndMetadata() {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(plain, SAY, options(), "fail"));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).isEqualTo("no fail here");
        assertThat(error.getTrailers().get(WHY)).isEqualTo("asked to");
    }

    @Test
    void serverStreamingDeliversEveryMessageThenTheTrailers() {
        Iterator<String> replies = ClientCalls.blockingServerStreamingCall(plain, COUNT, options(), "5000");
        List<String> got = new ArrayList<>();
        replies.forEachRemaining(got::add); // ends without an exception only once grpc-status: 0 came in the trailers
        assertThat(got).hasSize(5000).startsWith("1", "2").endsWith("5000");
    }

    /** Each reply comes back before the next message is sent: the proxy relays both directions as they go. */
    @Test
    void bidirectionalStreamingIsRelayedMessageByMessage() throws Exception {
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        BlockingQueue<Status> ended = new LinkedBlockingQueue<>();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(plain.newCall(CHAT, options()), new StreamObserver<>() {
            @Override
            public void onNext(String reply) {
                replies.add(reply);
            }

            @Override
            public void onError(Throwable t) {
                ended.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.add(Status.OK);
            }
        });
        for (int i = 1; i <= 3; i++) {
            requests.onNext("m" + i);
            assertThat(replies.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("echo m" + i);
        }
        requests.onCompleted();
        assertThat(ended.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Status.OK);
    }

    @Test
    void aBackendThatIsDownIsUnavailable() {
        String down = "down.grpc.example.net";
        proxy.route(down, "h2c://127.0.0.1:" + FreePort.find());
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", proxy.port(), InsecureChannelCredentials.create())
                .overrideAuthority(down).build();
        try {
            StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(channel, SAY, options(), "anyone?"));
            assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE); // the proxy's 502
        } finally {
            channel.shutdownNow();
        }
    }
}
