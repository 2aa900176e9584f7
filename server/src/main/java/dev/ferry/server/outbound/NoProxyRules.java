package dev.ferry.server.outbound;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * NO_PROXY as curl and the go command read it: {@code *} for every host; a name matching itself and its
 * subdomains ({@code corp.example}, {@code .corp.example}, {@code *.corp.example}); an IP address or CIDR range
 * matching IP-literal hosts; each optionally {@code :PORT}. Loopback hosts ({@code localhost}, 127.0.0.0/8, ::1)
 * are never proxied, as in the go command.
 */
public final class NoProxyRules {
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9A-Fa-f:.]+(%\\w+)?]?");

    private record Rule(String name, byte[] network, int prefix, int port) {}

    private final List<Rule> rules;
    private final boolean all;

    private NoProxyRules(List<Rule> rules, boolean all) {
        this.rules = rules;
        this.all = all;
    }

    public static NoProxyRules parse(List<String> entries) {
        List<Rule> out = new ArrayList<>();
        boolean all = false;
        for (String raw : entries) {
            String e = raw.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.equals("*")) {
                all = true;
                continue;
            }
            int port = -1;
            int colon = e.lastIndexOf(':');
            // a port only after a name, an IPv4 address or a bracketed IPv6 address
            if (colon > 0 && e.indexOf(':') == colon || e.startsWith("[") && e.contains("]:")) {
                try {
                    port = Integer.parseInt(e.substring(colon + 1));
                    e = e.substring(0, colon);
                } catch (NumberFormatException ignored) {
                    // not a port: leave the entry whole
                }
            }
            e = e.replace("[", "").replace("]", "");
            int slash = e.indexOf('/');
            String address = slash < 0 ? e : e.substring(0, slash);
            if (IP_LITERAL.matcher(address).matches()
                    && (address.contains(":")
                            || address.chars().filter(c -> c == '.').count() == 3)) {
                try {
                    byte[] network = InetAddress.getByName(address).getAddress();
                    int prefix = slash < 0 ? network.length * 8 : Integer.parseInt(e.substring(slash + 1));
                    out.add(new Rule(null, network, prefix, port));
                    continue;
                } catch (UnknownHostException | NumberFormatException ignored) {
                    // not an address after all: treat it as a name
                }
            }
            String name = e.startsWith("*.") ? e.substring(2) : e.startsWith(".") ? e.substring(1) : e;
            out.add(new Rule(name, null, 0, port));
        }
        return new NoProxyRules(List.copyOf(out), all);
    }

    /** Whether {@code host} (a name or IP literal, IPv6 with or without brackets) on {@code port} goes direct. */
    public boolean direct(String host, int port) {
        String h = host.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        byte[] ip = literal(h);
        if (h.equals("localhost") || ip != null && isLoopback(ip)) {
            return true;
        }
        if (all) {
            return true;
        }
        for (Rule r : rules) {
            if (r.port() >= 0 && r.port() != port) {
                continue;
            }
            if (r.name() != null ? h.equals(r.name()) || h.endsWith("." + r.name()) : ip != null && inRange(ip, r)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] literal(String h) {
        if (!IP_LITERAL.matcher(h).matches()
                || !(h.contains(":") || h.chars().filter(c -> c == '.').count() == 3)) {
            return null;
        }
        try {
            return InetAddress.getByName(h).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isLoopback(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean inRange(byte[] ip, Rule r) {
        if (ip.length != r.network().length || r.prefix() < 0 || r.prefix() > ip.length * 8) {
            return false;
        }
        int bits = ip.length * 8;
        BigInteger mask = BigInteger.ONE
                .shiftLeft(bits)
                .subtract(BigInteger.ONE)
                .shiftRight(r.prefix())
                .xor(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
        return new BigInteger(1, ip).and(mask).equals(new BigInteger(1, r.network()).and(mask));
    }
}
