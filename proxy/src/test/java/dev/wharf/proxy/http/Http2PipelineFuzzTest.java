package dev.wharf.proxy.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wharf.proxy.support.RawHttp2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames built from fuzzed data — any type, flags, stream and payload, and now and then a well-formed request
 * with a fuzzed authority and path, so that the exchanges behind the streams are reached too — after HTTP/2's
 * preface into the pipeline {@link Http2Connection#install} builds, with a route source that knows no host (as
 * {@link RequestPipelineFuzzTest}). Whatever the frames: no exception escapes the pipeline, every input buffer
 * is released, what the proxy writes is a sequence of well-formed frames, and every response header block decodes
 * with a status. Committed inputs replay in every test run; {@code .ci/fuzz} fuzzes it for a bounded time.
 */
class Http2PipelineFuzzTest {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "30s")
    void anyFramesAreAnsweredWithFramesAndNothingLeaks(FuzzedDataProvider data) throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(PREFACE);
        frame(frames, RawHttp2.SETTINGS, 0, 0, new byte[0]);
        int count = data.consumeInt(1, 12);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            int stream = data.consumeInt(0, 9);
            if (data.consumeBoolean()) {
                byte[] block = RawHttp2.requestBlock(data.consumeAsciiString(40), "/" + data.consumeAsciiString(40), null, 0);
                frame(frames, RawHttp2.HEADERS, RawHttp2.END_HEADERS | (data.consumeBoolean() ? RawHttp2.END_STREAM : 0),
                        stream, block);
            } else {
                frame(frames, data.consumeInt(0, 10), data.consumeInt(0, 255), stream,
                        data.consumeBytes(data.consumeInt(0, 64)));
            }
        }
        byte[] input = frames.toByteArray();
        int split = data.consumeInt(0, input.length);
        List<ByteBuf> reads = new ArrayList<>();
        reads.add(Unpooled.wrappedBuffer(input, 0, Math.max(1, split)));
        if (split > 0 && split < input.length) {
            reads.add(Unpooled.wrappedBuffer(input, split, input.length - split));
        }

        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        channel.register(); // as on a real connection, whose protocol is chosen once it is on its loop
        Http2Connection.install(channel.pipeline(), RequestPipelineFuzzTest.CONTEXT, "http");
        for (ByteBuf read : reads) {
            if (channel.isActive()) {
                channel.writeInbound(read.retain());
            }
            read.release();
            channel.runPendingTasks();
        }
        ByteBuf out = Unpooled.buffer();
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ByteBuf bytes = (ByteBuf) written;
            out.writeBytes(bytes);
            bytes.release();
        }
        channel.checkException(); // nothing reached the end of the pipeline unhandled
        channel.finishAndReleaseAll();

        for (ByteBuf read : reads) {
            assertThat(read.refCnt()).as("input buffers released").isZero();
        }
        DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
        while (out.isReadable()) {
            assertThat(out.readableBytes()).as("a whole frame header").isGreaterThanOrEqualTo(9);
            int length = out.readUnsignedMedium();
            int type = out.readUnsignedByte();
            out.readUnsignedByte();
            int stream = out.readInt() & 0x7fffffff;
            assertThat(length).as("frame length").isLessThanOrEqualTo(16_384).isLessThanOrEqualTo(out.readableBytes());
            ByteBuf payload = out.readSlice(length);
            if (type == RawHttp2.HEADERS) {
                Http2Headers headers = decode(decoder, stream, payload);
                assertThat(headers.status()).as("a response's status").isNotNull();
            }
        }
        out.release();
    }

    private static Http2Headers decode(DefaultHttp2HeadersDecoder decoder, int stream, ByteBuf block) {
        try {
            return decoder.decodeHeaders(stream, block);
        } catch (Http2Exception e) {
            throw new AssertionError("the proxy wrote a header block that does not decode", e);
        }
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        out.writeBytes(new byte[]{(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags});
        out.writeBytes(ByteBuffer.allocate(4).putInt(stream).array());
        out.writeBytes(payload);
    }
}
