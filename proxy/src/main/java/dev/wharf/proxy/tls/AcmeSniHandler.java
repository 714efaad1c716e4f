package dev.wharf.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;

/**
 * The SNI handler of one connection, which also notices an ACME CA's TLS-ALPN-01 check (ALPN {@code acme-tls/1}
 * offered) and answers it with the validation certificate an order of any proxy stored in Redis.
 */
public final class AcmeSniHandler extends SniHandler {

    public static final String ACME_TLS_1 = "acme-tls/1";

    private final SniCertificates certificates;
    private boolean acmeCheck;

    public AcmeSniHandler(SniCertificates certificates) {
        super(certificates);
        this.certificates = certificates;
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) throws Exception {
        acmeCheck = ClientHelloAlpn.offers(clientHello, ACME_TLS_1);
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) throws Exception {
        return acmeCheck ? certificates.validation(hostname, ctx.executor().newPromise()) : super.lookup(ctx, hostname);
    }
}
