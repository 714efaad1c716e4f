package dev.wharf.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

/**
 * Which TLS implementation serves clients, and the one way server contexts are made with it: TLS 1.2 and 1.3,
 * ALPN {@code h2} (preferred) and {@code http/1.1} (or only {@code acme-tls/1} for a CA's
 * check). OpenSSL (BoringSSL through netty-tcnative) when it loads: the JDK's engine copies
 * every record through heap buffers and runs its handshakes slower, which showed as a 33× longer p99 than
 * nginx's in {@code bench/proxy-vs-nginx.sh ... https}.
 */
public final class TlsEngine {

    private static final Logger log = LoggerFactory.getLogger(TlsEngine.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** What {@code --tls-engine} asks for. */
    public enum Choice { AUTO, OPENSSL, JDK }

    private final SslProvider provider;

    private TlsEngine(SslProvider provider) {
        this.provider = provider;
    }

    /** The engine for a choice; {@code OPENSSL} where it does not load is an error naming why. */
    public static TlsEngine choose(Choice choice) {
        boolean openSsl = OpenSsl.isAvailable();
        if (choice == Choice.OPENSSL && !openSsl) {
            throw new IllegalArgumentException("--tls-engine openssl: OpenSSL does not load here ("
                    + OpenSsl.unavailabilityCause() + ")");
        }
        if (choice == Choice.AUTO && !openSsl) {
            log.warn("TLS engine: the JDK's (OpenSSL does not load: {})", String.valueOf(OpenSsl.unavailabilityCause()));
        }
        TlsEngine engine = new TlsEngine(choice == Choice.JDK || !openSsl ? SslProvider.JDK : SslProvider.OPENSSL);
        log.info("TLS engine: {}", engine.name());
        return engine;
    }

    public static Choice parseChoice(String value) {
        try {
            return Choice.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be auto, openssl or jdk, not '" + value + "'");
        }
    }

    public String name() {
        return provider == SslProvider.JDK ? "JDK" : OpenSsl.versionString();
    }

    /** A server context for a key and its chain (leaf first). */
    public SslContext server(PrivateKey key, List<X509Certificate> chain) {
        return build(SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new)));
    }

    /** The context that answers an ACME CA's TLS-ALPN-01 check: the validation certificate, ALPN {@code acme-tls/1}. */
    public SslContext acmeValidation(PrivateKey key, X509Certificate certificate) {
        return build(SslContextBuilder.forServer(key, certificate), AcmeSniHandler.ACME_TLS_1);
    }

    private SslContext build(SslContextBuilder builder) {
        return build(builder, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    }

    private SslContext build(SslContextBuilder builder, String... protocols) {
        try {
            return builder.sslProvider(provider).protocols(PROTOCOLS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            protocols))
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
