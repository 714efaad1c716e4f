package dev.wharf.proxy.config;

import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.tls.TlsEngine;

/**
 * How TLS is spoken and where certificates come from beyond files.
 *
 * @param engine which TLS implementation ({@code --tls-engine})
 * @param acme   automatic HTTPS, or null when off
 */
public record TlsSettings(TlsEngine.Choice engine, AcmeSettings acme) {

    public static final TlsSettings DEFAULT = new TlsSettings(TlsEngine.Choice.AUTO, null);

    public TlsSettings withAcme(AcmeSettings changed) {
        return new TlsSettings(engine, changed);
    }
}
