package dev.wharf.proxy.config;

/**
 * The admin port: health, readiness, metrics and the route listing.
 *
 * @param bind its address (loopback by default: it is not for the public)
 * @param port its port, 0 = off
 */
public record AdminSettings(String bind, int port) {

    public static final String BIND = "127.0.0.1";
    public static final int PORT = 8081;
}
