package dev.wharf.proxy.support;

import dev.wharf.proxy.ProxySettings;
import dev.wharf.proxy.dns.DnsSettings;

import java.nio.file.Path;
import java.time.Duration;

/** Test tweaks of {@link ProxySettings}: a copy with one thing changed. */
public final class Settings {

    private Settings() {
    }

    public static ProxySettings cacheTtl(ProxySettings s, Duration ttl) {
        return new Copy(s).cacheTtl(ttl).build();
    }

    public static ProxySettings trustForwarded(ProxySettings s) {
        return new Copy(s).trustForwarded(true).build();
    }

    public static ProxySettings timeouts(ProxySettings s, Duration backend, Duration client) {
        return new Copy(s).backendTimeout(backend).clientTimeout(client).build();
    }

    public static ProxySettings noBackendKeepAlive(ProxySettings s) {
        return new Copy(s).backendKeepAlive(false).build();
    }

    public static ProxySettings adminPort(ProxySettings s, int port) {
        return new Copy(s).adminPort(port).build();
    }

    public static ProxySettings https(ProxySettings s, int port, Path certDir) {
        return new Copy(s).httpsPort(port).certDir(certDir).build();
    }

    public static ProxySettings redirectHttps(ProxySettings s) {
        return new Copy(s).redirectHttps(true).build();
    }

    public static ProxySettings underscoresInHeaders(ProxySettings s) {
        Copy copy = new Copy(s);
        copy.underscoresInHeaders = true;
        return copy.build();
    }

    /** DNS on a free port (UDP and TCP) for the zones, other names resolving to {@code ip}. */
    public static ProxySettings dns(ProxySettings s, String ip, String... zones) {
        Copy copy = new Copy(s);
        copy.dns = new DnsSettings(dev.wharf.testing.FreePort.find(), java.util.List.of(zones), ip);
        return copy.build();
    }

    /** The record's fields, changeable one by one. */
    private static final class Copy {
        private final ProxySettings s;
        private Duration cacheTtl;
        private boolean trustForwarded;
        private Duration backendTimeout;
        private Duration clientTimeout;
        private boolean backendKeepAlive;
        private int adminPort;
        private int httpsPort;
        private Path certDir;
        private boolean redirectHttps;
        private boolean underscoresInHeaders;
        private DnsSettings dns;

        Copy(ProxySettings s) {
            this.s = s;
            cacheTtl = s.cacheTtl();
            trustForwarded = s.trustForwarded();
            backendTimeout = s.backendTimeout();
            clientTimeout = s.clientTimeout();
            backendKeepAlive = s.backendKeepAlive();
            adminPort = s.adminPort();
            httpsPort = s.httpsPort();
            certDir = s.certDir();
            redirectHttps = s.redirectHttps();
            underscoresInHeaders = s.underscoresInHeaders();
            dns = s.dns();
        }

        Copy cacheTtl(Duration value) {
            cacheTtl = value;
            return this;
        }

        Copy trustForwarded(boolean value) {
            trustForwarded = value;
            return this;
        }

        Copy backendTimeout(Duration value) {
            backendTimeout = value;
            return this;
        }

        Copy clientTimeout(Duration value) {
            clientTimeout = value;
            return this;
        }

        Copy backendKeepAlive(boolean value) {
            backendKeepAlive = value;
            return this;
        }

        Copy adminPort(int value) {
            adminPort = value;
            return this;
        }

        Copy httpsPort(int value) {
            httpsPort = value;
            return this;
        }

        Copy certDir(Path value) {
            certDir = value;
            return this;
        }

        Copy redirectHttps(boolean value) {
            redirectHttps = value;
            return this;
        }

        ProxySettings build() {
            return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), adminPort, s.xipDomains(),
                    cacheTtl, s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                    s.connectTimeout(), backendTimeout, clientTimeout, trustForwarded, s.deadBackendOn500(),
                    backendKeepAlive, s.shutdownGrace(), httpsPort, certDir, redirectHttps, s.defaultCertificate(),
                    underscoresInHeaders, dns);
        }
    }
}
