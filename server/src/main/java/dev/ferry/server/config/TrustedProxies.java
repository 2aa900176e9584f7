package dev.ferry.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The addresses whose {@code X-Forwarded-For} ferry believes ({@code server.trustedProxies}): the reverse proxies
 * or load balancers in front of it, as addresses or CIDR blocks. Anyone else could write any address in that header.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

    private static final Pattern V4 = Pattern.compile("(\\d{1,3})(\\.\\d{1,3}){3}");
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<byte[]> networks;
    private final List<Integer> bits;

    private TrustedProxies(List<byte[]> networks, List<Integer> bits) {
        this.networks = networks;
        this.bits = bits;
    }

    /**
     * {@code ADDRESS[/BITS]} items separated by commas (blank: none).
     *
     * @throws IllegalArgumentException naming the item that is not an IP address or CIDR block
     */
    public static TrustedProxies parse(String text) {
        List<byte[]> networks = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        for (String raw : text.split(",")) {
            String item = raw.strip();
            if (item.isEmpty()) {
                continue;
            }
            int slash = item.indexOf('/');
            byte[] address = literal(slash < 0 ? item : item.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("not an IP address or ADDRESS/BITS block: " + item);
            }
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(item.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException(
                            "prefix length of " + item + " must be 0 to " + address.length * 8);
                }
            }
            networks.add(address);
            bits.add(prefix);
        }
        return networks.isEmpty() ? NONE : new TrustedProxies(List.copyOf(networks), List.copyOf(bits));
    }

    /**
     * The bytes of an IPv4 or IPv6 literal (an IPv4-mapped IPv6 address as IPv4), or null for anything else: never a
     * name, so nothing here asks DNS.
     */
    public static byte[] literal(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (!V4.matcher(t).matches() && !V6.matcher(t).matches()) {
            return null;
        }
        if (V4.matcher(t).matches()) {
            for (String part : t.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    /** Whether {@code address} (bytes as {@link #literal} or {@link InetAddress#getAddress} give them) is trusted. */
    public boolean trusts(byte[] address) {
        for (int i = 0; i < networks.size(); i++) {
            byte[] net = networks.get(i);
            if (net.length == address.length && samePrefix(net, address, bits.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bits) {
        int whole = bits / 8;
        for (int i = 0; i < whole; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[whole] & mask) == (b[whole] & mask);
    }
}
