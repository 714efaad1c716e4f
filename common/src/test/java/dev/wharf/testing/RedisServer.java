package dev.wharf.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code redis-server} child process on a free loopback port that a test owns, and may stop and start again
 * on the same port to play an outage.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final List<String> extraArguments;
    private Process process;

    private RedisServer(int port, List<String> extraArguments) {
        this.port = port;
        this.extraArguments = extraArguments;
    }

    /** Starts one, if {@code redis-server} is on the PATH. */
    public static Optional<RedisServer> startIfInstalled() {
        Optional<String> binary = findOnPath("redis-server");
        if (binary.isEmpty()) {
            return Optional.empty();
        }
        RedisServer server = new RedisServer(FreePort.find(), List.of());
        server.start();
        return Optional.of(server);
    }

    /** Starts a replica of {@code master} (read-only, as replicas are by default), or skips/fails the test. */
    public static RedisServer replicaOf(RedisServer master) {
        findOnPath("redis-server").orElseThrow(() -> Integration.unavailable("redis-server (on the PATH)"));
        RedisServer server = new RedisServer(FreePort.find(), List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        server.start();
        return server;
    }

    /** Starts one, or skips/fails the test ({@link Integration}) when {@code redis-server} is not installed. */
    public static RedisServer startOrSkip() {
        return startIfInstalled().orElseThrow(() -> Integration.unavailable("redis-server (on the PATH)"));
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        try {
            List<String> command = new ArrayList<>(List.of(findOnPath("redis-server").orElseThrow(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no"));
            command.addAll(extraArguments);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        Wait.until("redis-server on port " + port + " to answer PING", Duration.ofSeconds(10), this::answersPing);
    }

    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung host. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Thaws a {@link #pause paused} server. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly(); // SIGKILL ends a paused one too
        }
        stop();
    }

    private boolean answersPing() {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<String> findOnPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : List.of(path.split(File.pathSeparator))) {
            File candidate = new File(dir, program);
            if (candidate.canExecute()) {
                return Optional.of(candidate.getAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
