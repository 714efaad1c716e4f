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
}
