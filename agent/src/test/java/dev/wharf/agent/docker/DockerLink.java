package dev.wharf.agent.docker;

import dev.wharf.testing.FreePort;
import dev.wharf.testing.Integration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP door to the Docker socket that a test can shut and open again: the agent, pointed at
 * {@code tcp://127.0.0.1:<port>}, then sees its engine go away (every connection cut, new ones refused)
 * and come back on the same address, as across a dockerd restart.
 */
public final class DockerLink implements AutoCloseable {

    private final Path socket;
    private final int port = FreePort.find();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    private DockerLink(Path socket) {
        this.socket = socket;
    }

    public static DockerLink open() {
        String host = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        Path socket = Path.of(host.replaceFirst("^unix://", ""));
        if (!host.startsWith("unix://") || !Files.exists(socket)) {
            throw Integration.unavailable("a Docker unix socket (DOCKER_HOST=" + host + ")");
        }
        DockerLink link = new DockerLink(socket);
        link.restore();
        return link;
    }

    public String dockerHost() {
        return "tcp://127.0.0.1:" + port;
    }

    public synchronized void restore() {
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = listening;
            Thread acceptor = new Thread(() -> acceptLoop(listening), "docker-link-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + port, e);
        }
    }

    /** Closes the door and every connection through it. */
    public synchronized void cut() {
        closeQuietly(server);
        open.forEach(DockerLink::closeQuietly);
        open.clear();
    }

    private void acceptLoop(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                open.add(client);
                open.add(engine);
                relay(() -> toEngine(client.getInputStream(), engine), client, engine);
                relay(() -> fromEngine(engine, client.getOutputStream()), client, engine);
            } catch (IOException e) {
                return;
            }
        }
    }

    // Raw channel reads and writes: Channels.newInputStream/newOutputStream on one channel share a lock,
    // so a blocked read would stall the write in the other direction.
    private static void toEngine(InputStream from, SocketChannel engine) throws IOException {
        byte[] chunk = new byte[16384];
        for (int n; (n = from.read(chunk)) > 0; ) {
            ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
            while (buffer.hasRemaining()) {
                engine.write(buffer);
            }
        }
    }

    private static void fromEngine(SocketChannel engine, OutputStream to) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        while (engine.read(buffer) > 0) {
            to.write(buffer.array(), 0, buffer.position());
            to.flush();
            buffer.clear();
        }
    }

    private interface Relay {
        void run() throws IOException;
    }

    /** Runs one direction; when it ends, both sockets close, so the other side sees the connection gone. */
    private static void relay(Relay relay, Socket client, SocketChannel engine) {
        Thread thread = new Thread(() -> {
            try {
                relay.run();
            } catch (IOException ignored) {
                // One side closed.
            }
            closeQuietly(client);
            closeQuietly(engine);
        }, "docker-link-relay");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (Exception ignored) {
            // Closing what may already be closed.
        }
    }

    @Override
    public void close() {
        cut();
    }
}
