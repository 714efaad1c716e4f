package dev.wharf.route;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is one host). */
public record Cidr(byte[] network, int bits, String text) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    public static Cidr parse(String value) {
        String text = value.trim();
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address, value);
        int max = bytes.length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > max) {
                throw new InvalidRouteException("'" + value + "' has a prefix length outside 0 to " + max);
            }
        }
        for (int bit = bits; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8)); // the host part is ignored, as in 10.1.2.3/8
        }
        return new Cidr(bytes, bits, text);
    }

    /** Parses an address literal, never a name: InetAddress would resolve a name through DNS. */
    static byte[] literal(String address, String original) {
        if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
            throw new InvalidRouteException("'" + original + "' is not an IP address or CIDR");
        }
        try {
            return InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            throw new InvalidRouteException("'" + original + "' is not an IP address or CIDR");
        }
    }

    /** The address of an IP literal, or null when the text is not one (never a DNS lookup). */
    public static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(literal(literal.trim(), literal));
        } catch (InvalidRouteException | UnknownHostException e) {
            return null;
        }
    }

    /** True when the address is in this network (an IPv4-mapped IPv6 address counts as its IPv4 address). */
    public boolean contains(InetAddress client) {
        byte[] address = client.getAddress();
        if (address.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < bits; bit += 8) {
            int mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
            if (((address[bit / 8] ^ network[bit / 8]) & mask) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
