package dev.wharf.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StreamAnswersTest {

    private static HttpResponse grpcError() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("content-type", "application/grpc").set("grpc-status", "3");
        return head;
    }

    @Test
    void anAnswerWithoutBodyOrTrailersIsOneMessageAndBothWritesSucceed() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAnswers());
        ChannelFuture head = channel.write(grpcError());
        ChannelFuture end = channel.write(new DefaultLastHttpContent());
        channel.flush();

        Object written = channel.readOutbound();
        assertThat(written).isInstanceOf(FullHttpResponse.class);
        FullHttpResponse whole = (FullHttpResponse) written;
        assertThat(whole.headers().get("grpc-status")).isEqualTo("3");
        assertThat(whole.content().isReadable()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(head.isSuccess()).isTrue();
        assertThat(end.isSuccess()).isTrue();
        whole.release();
    }

    @Test
    void aBodyOrTrailersFollowTheHeadAsTheyCame() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAnswers());
        channel.write(grpcError());
        channel.write(new DefaultHttpContent(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII)));
        LastHttpContent trailers = new DefaultLastHttpContent();
        trailers.trailingHeaders().set("grpc-status", "0");
        channel.writeAndFlush(trailers);

        assertThat((Object) channel.readOutbound()).isInstanceOf(HttpResponse.class).isNotInstanceOf(FullHttpResponse.class);
        HttpContent body = channel.readOutbound();
        assertThat(body).isNotInstanceOf(LastHttpContent.class);
        body.release();
        LastHttpContent end = channel.readOutbound();
        assertThat(end.trailingHeaders().get("grpc-status")).isEqualTo("0");
        ReferenceCountUtil.release(end);
    }

    /** A streaming answer's head is flushed before any message: it is not held past the flush. */
    @Test
    void aFlushSendsAHeldHead() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAnswers());
        ChannelFuture head = channel.write(grpcError());
        assertThat((Object) channel.readOutbound()).isNull();
        channel.flush();
        assertThat((Object) channel.readOutbound()).isInstanceOf(HttpResponse.class);
        assertThat(head.isSuccess()).isTrue();
    }

    @Test
    void aHeadHeldWhenTheStreamClosesFailsItsWrite() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAnswers());
        ChannelFuture head = channel.write(grpcError());
        channel.pipeline().removeFirst();
        assertThat(head.isDone()).isTrue();
        assertThat(head.isSuccess()).isFalse();
    }
}
