package dev.wharf.proxy.pool;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a backend connection: hands what it reads to the exchange attached to it. A pooled
 * connection with no exchange that reads something is closed (the backend closing it, or stray bytes).
 */
public final class BackendHandler extends ChannelInboundHandlerAdapter {

    private BackendListener listener;

    public void attach(BackendListener exchange) {
        listener = exchange;
    }

    public void detach() {
        listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null) {
            listener.backendRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.backendReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        BackendListener current = listener;
        listener = null;
        if (current != null) {
            current.backendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        BackendListener current = listener;
        listener = null;
        ctx.close();
        if (current != null) {
            current.backendClosed(cause);
        }
    }
}
