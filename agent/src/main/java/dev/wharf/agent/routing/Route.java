package dev.wharf.agent.routing;

import dev.wharf.route.BackendUrl;

/** One backend of one frontend, as the agent writes it: {@code frontend:<host>} holds {@code backend}. */
public record Route(String host, BackendUrl backend) {

    @Override
    public String toString() {
        return host + " -> " + backend;
    }
}
