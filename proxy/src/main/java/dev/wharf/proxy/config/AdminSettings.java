package dev.wharf.proxy.config;

/**
 * The admin port: health, readiness, metrics, the route listing and the dashboard.
 *
 * @param bind  its address (loopback by default: it is not for the public)
 * @param port  its port, 0 = off
 * @param token required by the dashboard and the JSON API ({@code /api/...}) when set; it must be set when
 *              {@code bind} is not a loopback address (null when not)
 */
public record AdminSettings(String bind, int port, String token) {

    public static final String BIND = "127.0.0.1";
    public static final int PORT = 8081;

    public AdminSettings(String bind, int port) {
        this(bind, port, null);
    }

    /** True when the admin port listens only on the loopback interface. */
    public boolean loopbackOnly() {
        return bind.equals("localhost") || bind.startsWith("127.") || bind.equals("::1") || bind.equals("[::1]");
    }
}
