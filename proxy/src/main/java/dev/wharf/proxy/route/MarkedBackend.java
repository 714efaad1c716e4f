package dev.wharf.proxy.route;

/**
 * A backend named by a message on Hipache's {@code dead} channel ({@code "<requestHost>[<path>];<url>;<index>;<length>"})
 * or on {@code wharf:alive} ({@code "<requestHost>[<path>];<url>"}): one reading of both. A path route's messages
 * carry its path right after the request host.
 */
record MarkedBackend(String requestHost, String path, String url) {

    /** The request host of any such message, one with nothing after the host too. */
    static String requestHostOf(String message) {
        int end = message.indexOf(';');
        return hostOf(end < 0 ? message : message.substring(0, end));
    }

    /** The backend a message names, or null when the message does not have exactly {@code fields} fields. */
    static MarkedBackend parse(String message, int fields) {
        String[] parts = message.split(";");
        if (parts.length != fields) {
            return null;
        }
        String host = hostOf(parts[0]);
        return new MarkedBackend(host, parts[0].substring(host.length()), parts[1]);
    }

    private static String hostOf(String hostAndPath) {
        int path = hostAndPath.indexOf('/');
        return path < 0 ? hostAndPath : hostAndPath.substring(0, path);
    }
}
