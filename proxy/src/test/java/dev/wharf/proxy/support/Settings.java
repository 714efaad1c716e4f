package dev.wharf.proxy.support;

import dev.wharf.proxy.config.AdminSettings;
import dev.wharf.proxy.config.ClientSettings;
import dev.wharf.proxy.config.ListenerSettings;
import dev.wharf.proxy.config.ProxySettings;
import dev.wharf.proxy.config.StoreSettings;
import dev.wharf.proxy.config.TlsSettings;
import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.tls.TlsEngine;
import dev.wharf.proxy.dns.DnsSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Test tweaks of {@link ProxySettings}: a copy with one thing changed. */
public final class Settings {

    private Settings() {
    }

    public static ProxySettings cacheTtl(ProxySettings s, Duration ttl) {
        StoreSettings store = s.store();
        return s.withStore(new StoreSettings(store.redisUrl(), store.redisReadUrl(), store.xipDomains(), ttl));
    }

    public static ProxySettings redisReadUrl(ProxySettings s, String url) {
        StoreSettings store = s.store();
        return s.withStore(new StoreSettings(store.redisUrl(), url, store.xipDomains(), store.cacheTtl()));
    }

    public static ProxySettings trustForwarded(ProxySettings s) {
        ClientSettings c = s.clients();
        return s.withClients(new ClientSettings(c.timeout(), true, c.underscoresInHeaders(), c.accessLog()));
    }

    /** The access log to a file ({@code stdout}, {@code off} or a path). */
    public static ProxySettings accessLog(ProxySettings s, String target) {
        ClientSettings c = s.clients();
        return s.withClients(new ClientSettings(c.timeout(), c.trustForwarded(), c.underscoresInHeaders(), target));
    }

    public static ProxySettings underscoresInHeaders(ProxySettings s) {
        ClientSettings c = s.clients();
        return s.withClients(new ClientSettings(c.timeout(), c.trustForwarded(), true, c.accessLog()));
    }

    public static ProxySettings timeouts(ProxySettings s, Duration backend, Duration client) {
        return s.withBackends(s.backends().withTimeout(backend)).withClients(s.clients().withTimeout(client));
    }

    public static ProxySettings noBackendKeepAlive(ProxySettings s) {
        return s.withBackends(s.backends().withKeepAlive(false));
    }

    public static ProxySettings adminPort(ProxySettings s, int port) {
        return s.withAdmin(new AdminSettings(s.admin().bind(), port));
    }

    public static ProxySettings https(ProxySettings s, int port, Path certDir) {
        ListenerSettings l = s.listeners();
        return s.withListeners(new ListenerSettings(l.bind(), l.httpPort(), port, certDir, l.defaultCertificate(),
                l.redirectHttps(), l.dns(), l.h2c()));
    }

    public static ProxySettings redirectHttps(ProxySettings s) {
        ListenerSettings l = s.listeners();
        return s.withListeners(new ListenerSettings(l.bind(), l.httpPort(), l.httpsPort(), l.certDir(),
                l.defaultCertificate(), true, l.dns(), l.h2c()));
    }

    /** DNS on a free port (UDP and TCP) for the zones, other names resolving to {@code ip}. */
    public static ProxySettings dns(ProxySettings s, String ip, String... zones) {
        ListenerSettings l = s.listeners();
        DnsSettings dns = new DnsSettings(dev.wharf.testing.FreePort.find(), List.of(zones), ip);
        return s.withListeners(new ListenerSettings(l.bind(), l.httpPort(), l.httpsPort(), l.certDir(),
                l.defaultCertificate(), l.redirectHttps(), dns, l.h2c()));
    }

    /** HTTP/2 with prior knowledge on the plain port too ({@code --h2c}). */
    public static ProxySettings h2c(ProxySettings s) {
        ListenerSettings l = s.listeners();
        return s.withListeners(new ListenerSettings(l.bind(), l.httpPort(), l.httpsPort(), l.certDir(),
                l.defaultCertificate(), l.redirectHttps(), l.dns(), true));
    }

    public static ProxySettings tlsEngine(ProxySettings s, TlsEngine.Choice engine) {
        return s.withTls(new TlsSettings(engine, s.tls().acme()));
    }

    /** Automatic HTTPS from {@code directory}, a failed order retried after {@code retryAfter} (doubling). */
    public static ProxySettings acme(ProxySettings s, String directory, Duration retryAfter) {
        return acme(s, directory, retryAfter, AcmeSettings.Challenge.HTTP_01);
    }

    public static ProxySettings acme(ProxySettings s, String directory, Duration retryAfter, AcmeSettings.Challenge challenge) {
        return s.withTls(s.tls().withAcme(new AcmeSettings("ops@wharf-ci.net", AcmeSettings.directory(directory),
                retryAfter, challenge)));
    }
}
