package dev.wharf.proxy.config;

import dev.wharf.proxy.dns.DnsSettings;
import dev.wharf.proxy.tls.CertificateFiles;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the proxy listens and how it speaks TLS.
 *
 * @param bind               addresses of every listener
 * @param httpPort           plain HTTP port
 * @param httpsPort          TLS port, 0 = no TLS listener
 * @param certDir            certificates for SNI ({@code <host>.crt}/{@code .key}); null = self-signed default only
 * @param defaultCertificate the default certificate from Hipache's {@code https} block; null = none
 * @param redirectHttps      answer plain-HTTP requests with 308 to the same URL on https
 * @param dns                the wildcard DNS listener ({@link DnsSettings#OFF} by default)
 * @param h2c                also speak HTTP/2 with prior knowledge on the plain HTTP port
 */
public record ListenerSettings(List<String> bind, int httpPort, int httpsPort, Path certDir,
                               CertificateFiles defaultCertificate, boolean redirectHttps, DnsSettings dns, boolean h2c) {

    public static final String BIND = "0.0.0.0";
    public static final int HTTP_PORT = 80;
    public static final int HTTPS_PORT = 443;

    public ListenerSettings {
        bind = List.copyOf(bind);
    }
}
