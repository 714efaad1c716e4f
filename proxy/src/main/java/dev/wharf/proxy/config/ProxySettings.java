package dev.wharf.proxy.config;

import java.time.Duration;

/**
 * Everything the proxy is configured with, by capability, merged from the command line, the environment,
 * Hipache's {@code config.json} and the defaults, in that order of precedence. Each part states its defaults
 * once, as constants that {@code --help} and the merge both use.
 *
 * @param workers       event loop threads (Hipache's {@code server.workers}); 0 = one per core
 * @param shutdownGrace how long in-flight requests get to finish on SIGTERM
 */
public record ProxySettings(ListenerSettings listeners, StoreSettings store, BackendSettings backends,
                            ClientSettings clients, AdminSettings admin, TlsSettings tls, int workers,
                            Duration shutdownGrace) {

    public static final int WORKERS = 0;
    public static final int SHUTDOWN_GRACE_SECONDS = 30;

    public ProxySettings withListeners(ListenerSettings changed) {
        return new ProxySettings(changed, store, backends, clients, admin, tls, workers, shutdownGrace);
    }

    public ProxySettings withStore(StoreSettings changed) {
        return new ProxySettings(listeners, changed, backends, clients, admin, tls, workers, shutdownGrace);
    }

    public ProxySettings withBackends(BackendSettings changed) {
        return new ProxySettings(listeners, store, changed, clients, admin, tls, workers, shutdownGrace);
    }

    public ProxySettings withClients(ClientSettings changed) {
        return new ProxySettings(listeners, store, backends, changed, admin, tls, workers, shutdownGrace);
    }

    public ProxySettings withTls(TlsSettings changed) {
        return new ProxySettings(listeners, store, backends, clients, admin, changed, workers, shutdownGrace);
    }

    public ProxySettings withAdmin(AdminSettings changed) {
        return new ProxySettings(listeners, store, backends, clients, changed, tls, workers, shutdownGrace);
    }
}
