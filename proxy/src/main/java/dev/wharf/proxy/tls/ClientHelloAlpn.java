package dev.wharf.proxy.tls;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Whether a TLS ClientHello offers an ALPN protocol (RFC 7301), read before any certificate is chosen: an ACME CA
 * checking TLS-ALPN-01 offers only {@code acme-tls/1} and must get the validation certificate (RFC 8737).
 * Reads the ClientHello body as Netty's SNI handler passes it (from {@code client_version} on); every length is
 * checked against what is there, so a malformed hello answers false and never throws.
 */
public final class ClientHelloAlpn {

    private static final int ALPN_EXTENSION = 16;

    private ClientHelloAlpn() {
    }

    public static boolean offers(ByteBuf hello, String protocol) {
        byte[] wanted = protocol.getBytes(StandardCharsets.US_ASCII);
        int end = hello.writerIndex();
        int at = hello.readerIndex() + 34; // client_version (2) and random (32)
        at = skip8(hello, at, end);        // session_id
        at = skip16(hello, at, end);       // cipher_suites
        at = skip8(hello, at, end);        // compression_methods
        if (at < 0 || at + 2 > end) {
            return false;
        }
        int extensionsEnd = at + 2 + hello.getUnsignedShort(at);
        if (extensionsEnd > end) {
            return false;
        }
        at += 2;
        while (at + 4 <= extensionsEnd) {
            int type = hello.getUnsignedShort(at);
            int length = hello.getUnsignedShort(at + 2);
            int body = at + 4;
            if (body + length > extensionsEnd) {
                return false;
            }
            if (type == ALPN_EXTENSION) {
                return listed(hello, body, body + length, wanted);
            }
            at = body + length;
        }
        return false;
    }

    /** ProtocolNameList: a 2-byte length, then names each with a 1-byte length. */
    private static boolean listed(ByteBuf hello, int at, int end, byte[] wanted) {
        if (at + 2 > end || at + 2 + hello.getUnsignedShort(at) > end) {
            return false;
        }
        int listEnd = at + 2 + hello.getUnsignedShort(at);
        at += 2;
        while (at < listEnd) {
            int length = hello.getUnsignedByte(at);
            at++;
            if (at + length > listEnd) {
                return false;
            }
            if (length == wanted.length && matches(hello, at, wanted)) {
                return true;
            }
            at += length;
        }
        return false;
    }

    private static boolean matches(ByteBuf hello, int at, byte[] wanted) {
        for (int i = 0; i < wanted.length; i++) {
            if (hello.getByte(at + i) != wanted[i]) {
                return false;
            }
        }
        return true;
    }

    private static int skip8(ByteBuf hello, int at, int end) {
        return at < 0 || at + 1 > end ? -1 : at + 1 + hello.getUnsignedByte(at);
    }

    private static int skip16(ByteBuf hello, int at, int end) {
        return at < 0 || at + 2 > end ? -1 : at + 2 + hello.getUnsignedShort(at);
    }
}
