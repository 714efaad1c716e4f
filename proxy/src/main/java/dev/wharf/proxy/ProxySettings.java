package dev.wharf.proxy;

import java.time.Duration;
import java.util.List;

/**
 * Everything the proxy is configured with, merged from the command line, the environment, Hipache's
 * {@code config.json} and the defaults, in that order of precedence.
 *
 * @param workers        event loop threads (Hipache's {@code server.workers}); 0 = two per core
 * @param maxSockets     open connections per backend per event loop (Hipache's {@code server.maxSockets})
 * @param backendTimeout longest wait for a backend's response head (Hipache's {@code server.tcpTimeout})
 * @param clientTimeout  longest wait for a client's request head, and for each read of its body
 * @param accessLog      a file, {@code stdout}, or {@code off}
 * @param httpsPort      TLS port, 0 = no TLS listener
 * @param certDir        certificates for SNI ({@code <host>.crt}/{@code .key}); null = self-signed default only
 * @param redirectHttps  answer plain-HTTP requests with 308 to the same URL on https
 * @param defaultCertificate the default certificate from Hipache's {@code https} block; null = none
 * @param underscoresInHeaders forward request header names with {@code _} (dropped by default, as nginx does)
 * @param dns            the wildcard DNS listener ({@link DnsSettings#OFF} by default)
 */
public record ProxySettings(
        String redisUrl,
        List<String> bind,
        int httpPort,
        String adminBind,
        int adminPort,
        List<String> xipDomains,
        Duration cacheTtl,
        Duration deadBackendTtl,
        int retryOnError,
        String accessLog,
        int workers,
        int maxSockets,
        Duration connectTimeout,
        Duration backendTimeout,
        Duration clientTimeout,
        boolean trustForwarded,
        boolean deadBackendOn500,
        boolean backendKeepAlive,
        Duration shutdownGrace,
        int httpsPort,
        java.nio.file.Path certDir,
        boolean redirectHttps,
        dev.wharf.proxy.tls.CertificateFiles defaultCertificate,
        boolean underscoresInHeaders,
        dev.wharf.proxy.dns.DnsSettings dns) {

    public ProxySettings {
        bind = List.copyOf(bind);
        xipDomains = List.copyOf(xipDomains);
    }
}
