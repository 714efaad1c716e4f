package dev.wharf.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A client on a plain socket, for requests no well-behaved client would send (and for counting connections). */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) {
        try {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(15_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp send(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response with a Content-Length body (or up to the close); returns head and body as text. */
    public String readResponse() {
        try {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int b;
            while (matched < 4 && (b = in.read()) != -1) {
                head.write(b);
                matched = (b == '\r' || b == '\n') ? (matched + 1) : 0;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = contentLength(text);
            byte[] body = length >= 0 ? in.readNBytes(length) : new byte[0];
            return text + new String(body, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads until the marker was seen the given number of times after the head (for chunked bodies). */
    public String readUntil(String marker, int occurrences, java.time.Duration timeout) {
        try {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + timeout.toNanos();
            int b;
            while (System.nanoTime() < deadline && (b = in.read()) != -1) {
                seen.write(b);
                String text = seen.toString(StandardCharsets.ISO_8859_1);
                int head = text.indexOf("\r\n\r\n");
                if (head >= 0 && count(text.substring(head + 4), marker) >= occurrences) {
                    return text;
                }
            }
            return seen.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int count(String text, String marker) {
        int count = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) {
            count++;
        }
        return count;
    }

    /** True when the server closed the connection (reads end of stream). */
    public boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing.
        }
    }
}
