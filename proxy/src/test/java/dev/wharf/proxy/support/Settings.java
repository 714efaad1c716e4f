package dev.wharf.proxy.support;

import dev.wharf.proxy.ProxySettings;

import java.time.Duration;

/** Test tweaks of {@link ProxySettings}, one field at a time. */
public final class Settings {

    private Settings() {
    }

    public static ProxySettings cacheTtl(ProxySettings s, Duration ttl) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(), ttl,
                s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(), s.connectTimeout(),
                s.backendTimeout(), s.clientTimeout(), s.trustForwarded(), s.deadBackendOn500(), s.backendKeepAlive(),
                s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings trustForwarded(ProxySettings s) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), s.backendTimeout(), s.clientTimeout(), true, s.deadBackendOn500(),
                s.backendKeepAlive(), s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings timeouts(ProxySettings s, Duration backend, Duration client) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), backend, client, s.trustForwarded(), s.deadBackendOn500(), s.backendKeepAlive(),
                s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings retryOnError(ProxySettings s, int retries) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), retries, s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), s.backendTimeout(), s.clientTimeout(), s.trustForwarded(), s.deadBackendOn500(),
                s.backendKeepAlive(), s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings noBackendKeepAlive(ProxySettings s) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), s.backendTimeout(), s.clientTimeout(), s.trustForwarded(), s.deadBackendOn500(),
                false, s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings adminPort(ProxySettings s, int port) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), port, s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), s.backendTimeout(), s.clientTimeout(), s.trustForwarded(), s.deadBackendOn500(),
                s.backendKeepAlive(), s.shutdownGrace(), s.httpsPort(), s.certDir(), s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings https(ProxySettings s, int port, java.nio.file.Path certDir) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.xipDomains(),
                s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(), s.workers(), s.maxSockets(),
                s.connectTimeout(), s.backendTimeout(), s.clientTimeout(), s.trustForwarded(), s.deadBackendOn500(),
                s.backendKeepAlive(), s.shutdownGrace(), port, certDir, s.redirectHttps(), s.defaultCertificate());
    }

    public static ProxySettings redirectHttps(ProxySettings s) {
        return new ProxySettings(s.redisUrl(), s.bind(), s.httpPort(), s.adminBind(),
                s.adminPort(), s.xipDomains(), s.cacheTtl(), s.deadBackendTtl(), s.retryOnError(), s.accessLog(),
                s.workers(), s.maxSockets(), s.connectTimeout(), s.backendTimeout(), s.clientTimeout(),
                s.trustForwarded(), s.deadBackendOn500(), s.backendKeepAlive(), s.shutdownGrace(), s.httpsPort(),
                s.certDir(), true, s.defaultCertificate());
    }
}
