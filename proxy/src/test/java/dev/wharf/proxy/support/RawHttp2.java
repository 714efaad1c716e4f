package dev.wharf.proxy.support;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * An HTTP/2 client that writes frames by hand over plain TCP (h2c with prior knowledge), to send what no real
 * client sends: floods, resets, oversized header lists, a stream whose window is never opened. Requests are
 * HPACK-encoded with the static table and literals only; answers are read frame by frame.
 */
public final class RawHttp2 implements AutoCloseable {

    public static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;
    public static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    public static final int CANCEL = 0x8, REFUSED_STREAM = 0x7, ENHANCE_YOUR_CALM = 0xb;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read. */
    public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        /** The error code of a RST_STREAM or GOAWAY. */
        public int errorCode() {
            ByteBuffer bytes = ByteBuffer.wrap(payload);
            return type == GOAWAY ? bytes.getInt(4) : bytes.getInt(0);
        }

        public boolean endsStream() {
            return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
        }

        /** {@code type/stream}, with the error code of a RST_STREAM or GOAWAY: what {@link #trace} lists. */
        @Override
        public String toString() {
            return type + "/" + stream + (type == GOAWAY || type == RST_STREAM ? "/" + errorCode() : "");
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final List<Frame> read = new ArrayList<>();

    private ByteArrayOutputStream batch;

    private RawHttp2(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** Connects, sends the preface and empty SETTINGS. */
    public static RawHttp2 connect(int port) {
        try {
            RawHttp2 client = new RawHttp2(port);
            client.out.write(PREFACE);
            client.frame(SETTINGS, 0, 0, new byte[0]);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void frame(int type, int flags, int stream, byte[] payload) {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        if (batch != null) {
            batch.writeBytes(head);
            batch.writeBytes(payload);
            return;
        }
        try {
            out.write(head);
            out.write(payload);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends the frames {@code frames} makes in one write: a flood the proxy ends with GOAWAY and a close is then
     * all in its socket already, and the close cannot fail a write still to come (connection reset).
     */
    public void batch(Runnable frames) {
        batch = new ByteArrayOutputStream();
        try {
            frames.run();
            out.write(batch.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            batch = null;
        }
    }

    /** A GET for {@code authority} and {@code path}, its header block in one HEADERS frame. */
    public void get(int stream, String authority, String path, boolean endStream) {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, requestBlock(authority, path, null, 0));
    }

    /** The header block of a GET (static table entries and literals), with one extra header of {@code extraBytes}. */
    public static byte[] requestBlock(String authority, String path, String extraName, int extraBytes) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        literal(block, 4, path); // :path, not indexed
        literal(block, 1, authority); // :authority, not indexed
        if (extraName != null) {
            block.write(0x00); // a literal name, not indexed
            string(block, extraName);
            string(block, "a".repeat(extraBytes));
        }
        return block.toByteArray();
    }

    /** The header block of a GET with the extra headers given as name, value pairs, sent as literals (no check). */
    public static byte[] requestBlock(String authority, String path, String... extraNamesAndValues) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(requestBlock(authority, path, null, 0));
        for (int i = 0; i < extraNamesAndValues.length; i += 2) {
            block.write(0x00);
            string(block, extraNamesAndValues[i]);
            string(block, extraNamesAndValues[i + 1]);
        }
        return block.toByteArray();
    }

    public void rst(int stream, int errorCode) {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(errorCode).array());
    }

    public void ping(long data) {
        frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    public void windowUpdate(int stream, int increment) {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    /** The next frame, SETTINGS acknowledged on the way; null when the server closed the connection. */
    public Frame read(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & ACK) == 0) {
                frame(SETTINGS, ACK, 0, new byte[0]);
            }
            // Every header block is decoded, in order, or the HPACK table would drift from the server's.
            Frame frame = new Frame(type, flags, stream, payload, type == HEADERS ? decode(stream, payload) : null);
            read.add(frame);
            return frame;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame within " + timeout);
        } catch (IOException e) {
            return null; // closed (EOF or reset)
        }
    }

    /** Reads until a frame matches (and returns it), or null when the connection closes first. */
    public Frame until(Predicate<Frame> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no such frame within " + timeout);
            }
            Frame frame = read(Duration.ofNanos(left).plusMillis(1));
            if (frame == null || wanted.test(frame)) {
                return frame;
            }
        }
    }

    /**
     * Reads until a frame matches (and returns it), or null when none comes within {@code quiet}: for what must
     * stop happening (a window that is no longer opened), where no frame is the answer.
     */
    public Frame poll(Predicate<Frame> wanted, Duration quiet) {
        try {
            return until(wanted, quiet);
        } catch (AssertionError none) {
            return null;
        }
    }

    /** Every frame read so far, for an assertion's message. */
    public String trace() {
        return read.toString();
    }

    /** A HEADERS frame's block (no CONTINUATION: answers here are small). */
    private Http2Headers decode(int stream, byte[] block) {
        try {
            return decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block));
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void literal(ByteArrayOutputStream block, int index, String value) {
        block.write(index); // 0000xxxx: literal without indexing, name from the static table
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        integer(block, bytes.length);
        block.writeBytes(bytes);
    }

    /** HPACK's integer with a 7-bit prefix (no Huffman bit). */
    private static void integer(ByteArrayOutputStream block, int value) {
        if (value < 127) {
            block.write(value);
            return;
        }
        block.write(127);
        value -= 127;
        while (value >= 128) {
            block.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        block.write(value);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
