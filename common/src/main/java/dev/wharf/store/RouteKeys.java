package dev.wharf.store;

/**
 * Redis key and channel names (SPEC §1). Hipache's prefix applies to {@code frontend:} and {@code dead:} keys
 * as Hipache applies it; Wharf prefixes its own keys and channel too so that deployments sharing one Redis
 * stay apart. The {@code dead} channel is never prefixed, as in Hipache.
 */
public record RouteKeys(String prefix) {

    public static final String DEAD_CHANNEL = "dead";

    public String frontend(String host) {
        return prefix + "frontend:" + host;
    }

    public String dead(String host) {
        return prefix + "dead:" + host;
    }

    /** SET of the path prefixes that have a {@code frontend:<host><path>} list (SPEC §6). */
    public String paths(String host) {
        return prefix + "wharf:paths:" + host;
    }

    /** HASH of one route's options; {@code route} is {@code <host>} or {@code <host><path>} (SPEC §6). */
    public String options(String route) {
        return prefix + "wharf:options:" + route;
    }

    /** Channel on which a probe announces a dead-marked backend alive again: {@code "<requestHost><path>;<url>"}. */
    public String aliveChannel() {
        return prefix + "wharf:alive";
    }

    /** planb's lock on probing one dead backend for one request host: {@code dead:<host>:<backendURL>}. */
    public String probeLock(String requestHost, String backendUrl) {
        return prefix + "dead:" + requestHost + ":" + backendUrl;
    }

    /** planb's HASH {@code {path, status, body}}: how to probe the backends of a host (else: a TCP connect). */
    public String healthcheck(String host) {
        return prefix + "healthcheck:" + host;
    }

    /** Channel on which every change to a {@code frontend:} list is announced with the host. */
    public String routesChannel() {
        return prefix + "wharf:routes";
    }

    /** HASH of one agent: container id to the JSON of the routes it wrote for that container. */
    public String agentRecords(String agentId) {
        return prefix + "wharf:agent:" + agentId;
    }

    /** HASH of one agent: container id to the JSON of its routing status ("why not routed?"). */
    public String containerStatuses(String agentId) {
        return prefix + "wharf:status:" + agentId;
    }

    /** HASH: container id to why that container, which asks for this host, has no route (public words). */
    public String why(String host) {
        return prefix + "wharf:why:" + host;
    }

    /** ZSET of agent heartbeats: agent id scored by the epoch second it was last seen. */
    public String agentHeartbeats() {
        return prefix + "wharf:agents";
    }

    /** planb's HASH {@code {certificate, key}} (PEM) of a host's certificate (SPEC §7). */
    public String tls(String host) {
        return prefix + "tls:" + host;
    }

    /** Channel on which a host whose certificate in {@code tls:<host>} changed is announced. */
    public String tlsChannel() {
        return prefix + "wharf:tls";
    }

    /** HASH of the ACME account every proxy shares: its key (PEM), the directory and the account URL. */
    public String acmeAccount() {
        return prefix + "wharf:acme:account";
    }

    /** STRING with a TTL: who is ordering a certificate for this host now. */
    public String acmeLock(String host) {
        return prefix + "wharf:acme:lock:" + host;
    }

    /** STRING with a TTL: the HTTP-01 key authorization for a token, which any proxy answers. */
    public String acmeChallenge(String token) {
        return prefix + "wharf:acme:challenge:" + token;
    }

    /** HASH with a TTL: the TLS-ALPN-01 validation certificate and key for a host, which any proxy serves. */
    public String acmeValidation(String host) {
        return prefix + "wharf:acme:tls-alpn:" + host;
    }

    /** HASH with a one-day TTL: the failed orders for a host ({@code count}, {@code next} epoch ms, {@code problem}). */
    public String acmeFailures(String host) {
        return prefix + "wharf:acme:failures:" + host;
    }
}
