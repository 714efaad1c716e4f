package dev.wharf.proxy.http;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per request in the combined log format, plus host, backend and time:
 * <pre>127.0.0.1 - - [21/Nov/2026:15:09:24 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8" shop.example.com http://172.18.0.5:80 3ms</pre>
 * Lines are queued and written by a background thread, so an event loop never waits on a disk or a pipe;
 * when the queue is full, lines are dropped and counted rather than slowing traffic down.
 */
public final class AccessLog implements AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final String STOP = "";

    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final Writer out;
    private final Thread writer;

    private AccessLog(Writer out) {
        this.out = out;
        this.writer = out == null ? null : new Thread(this::writeLoop, "wharf-access-log");
        if (writer != null) {
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** {@code stdout}, {@code off}, or a file to append to. */
    public static AccessLog open(String target) throws IOException {
        return switch (target) {
            case "off" -> new AccessLog(null);
            case "stdout" -> new AccessLog(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
            default -> new AccessLog(Files.newBufferedWriter(Path.of(target), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        };
    }

    public boolean enabled() {
        return out != null;
    }

    public void log(String clientIp, String method, String uri, String protocol, int status, long bytes,
                    String referer, String userAgent, String host, String backend, long micros) {
        if (out == null) {
            return;
        }
        String line = clientIp + " - - [" + ZonedDateTime.now().format(TIME) + "] \"" + escape(method) + " " + escape(uri) + " "
                + escape(protocol) + "\" " + status + " " + bytes + " \"" + orDash(referer) + "\" \"" + orDash(userAgent) + "\" "
                + orDash(host) + " " + orDash(backend) + " " + (micros / 1000) + "ms";
        if (!lines.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? "-" : escape(value);
    }

    /** As nginx does: control bytes, non-ASCII, quotes and backslashes as {@code \xHH}, so a line stays one line. */
    static String escape(String value) {
        int i = 0;
        while (i < value.length() && plain(value.charAt(i))) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (; i < value.length(); i++) {
            char c = value.charAt(i);
            if (plain(c)) {
                out.append(c);
            } else {
                out.append(String.format("\\x%02X", (int) c & 0xff));
            }
        }
        return out.toString();
    }

    private static boolean plain(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }

    private void writeLoop() {
        try {
            while (true) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    continue;
                }
                if (line == STOP) {
                    out.flush();
                    return;
                }
                out.write(line);
                out.write('\n');
                if (lines.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException | IOException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            lines.offer(STOP);
            try {
                writer.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
