package dev.wharf.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.Map;

/** {@link ClientStream}'s conversions between an HTTP/2 field block and an HTTP/1.1 head, without I/O. */
final class StreamFields {

    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");
    /** The frame codec validated names and values; RequestRules checks what an HTTP/1.1 head may carry. */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);
    private static final AsciiString[] CONNECTION_SPECIFIC = {HttpHeaderNames.CONNECTION,
            AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"), HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE, HttpHeaderNames.TE, HttpHeaderNames.HOST};
    /** Names most answers carry, already lower case: found here rather than copied and lowered for each answer. */
    private static final AsciiString[] COMMON = {HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.DATE, HttpHeaderNames.SERVER, HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.ETAG,
            HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.VARY,
            HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.EXPIRES, HttpHeaderNames.LOCATION,
            HttpHeaderNames.SET_COOKIE};

    private StreamFields() {
    }

    /** The request an HTTP/1.1 codec would have read, or null for one HTTP/2 calls malformed. */
    static HttpRequest request(Http2Headers fields, boolean ended) {
        CharSequence method = fields.method();
        CharSequence path = fields.path();
        if (method == null || path == null) {
            return null;
        }
        HttpMethod parsed;
        try {
            parsed = HttpMethod.valueOf(method.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
        HttpHeaders headers = HEADERS.newHeaders();
        CharSequence authority = fields.authority();
        if (authority != null) {
            headers.add(HttpHeaderNames.HOST, authority);
        }
        StringBuilder cookies = null;
        for (Map.Entry<CharSequence, CharSequence> field : fields) {
            CharSequence name = field.getKey();
            if (Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(name)) {
                continue;
            }
            if (authority != null && HttpHeaderNames.HOST.contentEquals(name)) {
                // RFC 9113 §8.3.1: a Host naming another host than :authority makes the request malformed
                if (!AsciiString.contentEqualsIgnoreCase(authority, field.getValue())) {
                    return null;
                }
            } else if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                cookies = cookies == null ? new StringBuilder(field.getValue()) : cookies.append("; ").append(field.getValue());
            } else {
                headers.add(name, field.getValue());
            }
        }
        if (cookies != null) {
            headers.add(HttpHeaderNames.COOKIE, cookies.toString());
        }
        HttpRequest request = new DefaultHttpRequest(HTTP_2, parsed, path.toString(), headers);
        if (!ended && !HttpUtil.isContentLengthSet(request)) {
            // DATA frames follow without a length: to an HTTP/1.1 backend that is a chunked body
            HttpUtil.setTransferEncodingChunked(request, true);
        }
        return request;
    }

    static void copyFields(Http2Headers from, HttpHeaders to) {
        for (Map.Entry<CharSequence, CharSequence> field : from) {
            if (!Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(field.getKey())) {
                to.add(field.getKey(), field.getValue());
            }
        }
    }

    static Http2Headers fields(HttpResponse response) {
        DefaultHttp2Headers fields = new DefaultHttp2Headers(false, response.headers().size() + 1);
        fields.status(response.status().codeAsText());
        addFields(response.headers(), fields);
        return fields;
    }

    static Http2Headers trailerFields(HttpHeaders trailers) {
        DefaultHttp2Headers fields = new DefaultHttp2Headers(false, trailers.size());
        addFields(trailers, fields);
        return fields;
    }

    /** HTTP/2 field names are lower case, and connection-specific ones are not sent at all. */
    private static void addFields(HttpHeaders from, Http2Headers to) {
        var fields = from.iteratorCharSequence();
        while (fields.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            AsciiString name = lowerCase(field.getKey());
            if (!connectionSpecific(name)) {
                to.add(name, field.getValue());
            }
        }
    }

    static AsciiString lowerCase(CharSequence name) {
        for (AsciiString common : COMMON) {
            if (common.length() == name.length() && common.contentEqualsIgnoreCase(name)) {
                return common;
            }
        }
        return AsciiString.of(name).toLowerCase();
    }

    private static boolean connectionSpecific(AsciiString name) {
        for (AsciiString forbidden : CONNECTION_SPECIFIC) {
            if (forbidden.contentEquals(name)) {
                return true;
            }
        }
        return false;
    }
}
