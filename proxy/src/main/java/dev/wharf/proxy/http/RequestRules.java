package dev.wharf.proxy.http;

import dev.wharf.route.Hosts;
import dev.wharf.route.InvalidRouteException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What a request head must be before anything of it is forwarded (RFC 9110, RFC 9112), checked on the
 * decoded head, whatever the decoder let through. Stricter than nginx and HAProxy where the RFCs allow:
 * a backend never sees a byte the proxy did not route by.
 *
 * <ul>
 *   <li>method: a token; {@code CONNECT} is not proxied (501).</li>
 *   <li>request-target: origin-form ({@code /path?query}), {@code *} for OPTIONS, or absolute-form
 *       ({@code http://host/path}, routed by its authority and forwarded in origin-form); printable ASCII only,
 *       no space, no {@code #} (fragments are never sent).</li>
 *   <li>version: HTTP/1.0 or HTTP/1.x (a higher minor version is answered as 1.1); HTTP/0.9 with headers and any
 *       other major version are refused.</li>
 *   <li>header names: tokens; names with {@code _} are dropped unless allowed (CGI turns {@code Transfer_Encoding}
 *       and {@code Transfer-Encoding} into the same variable, as nginx warns).</li>
 *   <li>header values: visible characters, obs-text, space and tab only (no NUL, no CR, no LF, no other
 *       control byte); line folding arrives joined with spaces (RFC 9112 §5.2 lets a proxy do that).</li>
 *   <li>exactly one Host; Content-Length only digits; no Transfer-Encoding in an HTTP/1.0 request.</li>
 *   <li>{@code Proxy} is dropped (httpoxy: CGI backends read it as {@code HTTP_PROXY}).</li>
 * </ul>
 * Over 250 lines because it is the whole rule book in one place, pure and table-tested.
 */
public final class RequestRules {

    private static final AsciiString PROXY = AsciiString.cached("proxy");
    private static final boolean[] TCHAR = new boolean[128];
    private static final boolean[] TARGET = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c = 0x21; c < 0x7f; c++) {
            TARGET[c] = c != '#';
        }
    }

    private RequestRules() {
    }

    /** Why a request is refused: the status to answer and what was wrong, for the client and the log. */
    public static final class Refusal extends Exception {
        private final HttpResponseStatus status;

        Refusal(HttpResponseStatus status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }

        public HttpResponseStatus status() {
            return status;
        }
    }

    /**
     * Checks a request head and makes it safe to forward: drops {@code Proxy} (and names with {@code _} unless
     * {@code allowUnderscores}), and turns an absolute-form target into origin-form with its authority as Host.
     */
    public static void check(HttpRequest head, boolean allowUnderscores) throws Refusal {
        checkMethod(head.method());
        checkVersion(head.protocolVersion());
        HttpHeaders headers = head.headers();
        // One pass over the decoded names and values as they are (no String copies): this runs for every request.
        List<CharSequence> dropped = null;
        int hosts = 0;
        boolean proxy = false;
        boolean transferEncoding = false;
        Iterator<Map.Entry<CharSequence, CharSequence>> all = headers.iteratorCharSequence();
        while (all.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = all.next();
            CharSequence name = header.getKey();
            CharSequence value = header.getValue();
            checkName(name);
            checkValue(name, value);
            if (!allowUnderscores && contains(name, '_')) {
                dropped = dropped == null ? new ArrayList<>() : dropped;
                dropped.add(name);
            }
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                hosts++;
            } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
                checkContentLength(value);
            } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                transferEncoding = true;
            } else if (AsciiString.contentEqualsIgnoreCase(name, PROXY)) {
                proxy = true;
            }
        }
        if (hosts > 1) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
        }
        if (transferEncoding && head.protocolVersion().majorVersion() == 1 && head.protocolVersion().minorVersion() == 0) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
        }
        if (dropped != null) {
            dropped.forEach(headers::remove);
        }
        if (proxy) {
            headers.remove(PROXY);
        }
        checkTarget(head);
    }

    /**
     * The host a checked head is routed by: its Host header, normalised. Refuses a transfer coding other than
     * chunked (501), no Host, and a Host that is no valid host name or address.
     */
    static String routingHost(HttpRequest head) throws Refusal {
        String transferEncoding = head.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
        if (transferEncoding != null && !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(transferEncoding.trim())) {
            throw new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "transfer coding '" + transferEncoding + "' not supported");
        }
        String host = head.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "no Host header");
        }
        try {
            return Hosts.requestHost(host);
        } catch (InvalidRouteException e) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, printable(e.getMessage()));
        }
    }

    /** The status for a message the decoder gave up on: too long a line or head has its own. */
    static HttpResponseStatus statusForUndecodable(Throwable cause) {
        if (cause instanceof Refusal refused) {
            return refused.status();
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** The decoder's reason, safe to put in a response and a log line. */
    static String whyUndecodable(HttpObject object) {
        return printable(String.valueOf(object.decoderResult().cause().getMessage()));
    }

    private static void checkMethod(HttpMethod method) throws Refusal {
        String name = method.name();
        if (name.isEmpty() || !allTokens(name)) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "method '" + printable(name) + "' is not a token");
        }
        if (method.equals(HttpMethod.CONNECT)) {
            throw new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "CONNECT is not proxied");
        }
    }

    private static void checkVersion(HttpVersion version) throws Refusal {
        if (!version.protocolName().equals("HTTP") || version.majorVersion() == 0) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "protocol '" + printable(version.text()) + "' not understood");
        }
        // An HTTP/2 stream's head carries StreamFields' own instance; "HTTP/2.0" on an HTTP/1.1 request line is
        // another instance, and refused like any other version.
        if (version.majorVersion() != 1 && version != StreamFields.HTTP_2) {
            throw new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, version.text() + " not supported");
        }
    }

    private static void checkName(CharSequence name) throws Refusal {
        if (name.length() == 0 || !allTokens(name)) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "header name '" + printable(name.toString()) + "' is not a token");
        }
    }

    private static void checkContentLength(CharSequence length) throws Refusal {
        boolean digits = length.length() > 0;
        for (int i = 0; digits && i < length.length(); i++) {
            digits = length.charAt(i) >= '0' && length.charAt(i) <= '9';
        }
        if (!digits) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "Content-Length '" + printable(length.toString()) + "' is not a number");
        }
    }

    private static boolean contains(CharSequence text, char wanted) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == wanted) {
                return true;
            }
        }
        return false;
    }

    private static void checkValue(CharSequence name, CharSequence value) throws Refusal {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff);
            if (!allowed) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST,
                        String.format("header %s has a control byte 0x%02x", name, (int) c));
            }
        }
    }

    private static void checkTarget(HttpRequest head) throws Refusal {
        String target = head.uri();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c >= 128 || !TARGET[c]) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST,
                        String.format("request-target has a forbidden byte 0x%02x at %d", (int) c, i));
            }
        }
        if (target.startsWith("/")) {
            return;
        }
        if (target.equals("*")) {
            if (head.method().equals(HttpMethod.OPTIONS)) {
                return;
            }
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "'*' is a target for OPTIONS only");
        }
        String lower = target.toLowerCase(java.util.Locale.ROOT);
        int authorityStart = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (authorityStart < 0) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "request-target '" + target + "' is not a path or an http URL");
        }
        // RFC 9112 §3.2.2: the authority of an absolute-form target wins over the Host header.
        int pathStart = firstOf(target, authorityStart, "/?");
        String authority = target.substring(authorityStart, pathStart);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            throw new Refusal(HttpResponseStatus.BAD_REQUEST, "request-target '" + target + "' has no usable authority");
        }
        String rest = target.substring(pathStart);
        head.setUri(rest.startsWith("/") ? rest : "/" + rest);
        head.headers().set(HttpHeaderNames.HOST, authority);
    }

    private static int firstOf(String text, int from, String chars) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    private static boolean allTokens(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** Shows what was sent without writing control bytes into a response or a log line. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && i < 64; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return text.length() > 64 ? out + "..." : out.toString();
    }
}
