package dev.wharf.agent.routing;

import java.util.List;
import java.util.Optional;

/**
 * The agent options that decide routes.
 *
 * @param network     {@code --network}: the network the proxy uses, preferred for the container's IP
 * @param domains     {@code --domain}: short names ({@code blog}) are also published under each
 * @param advertiseIp {@code --advertise-ip}: published mode, route to this IP and the published host port
 */
public record RoutingSettings(Optional<String> network, List<String> domains, Optional<String> advertiseIp) {

    public RoutingSettings {
        domains = List.copyOf(domains);
    }

    public static RoutingSettings defaults() {
        return new RoutingSettings(Optional.empty(), List.of(), Optional.empty());
    }
}
