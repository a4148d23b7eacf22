package dev.doorward.hub.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The load balancers ({@code doorward.cluster.trusted-proxies}) whose word this node takes for a connection's client
 * address: a PROXY protocol v2 header on the device and live ports, an {@code X-Forwarded-For} header on the browser
 * port (docs/cluster.md). Each entry is an IP address or a CIDR range ({@code 10.0.0.0/24}); never a name, which
 * would need a lookup an attacker might answer. Empty: nobody is believed, and nothing changes for a single hub.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Parses the setting; a bad entry fails the start-up with the entry named. */
    public static TrustedProxies parse(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : entries) {
            ranges.add(Range.parse(entry == null ? "" : entry.strip()));
        }
        return new TrustedProxies(ranges);
    }

    public static TrustedProxies of(HubProperties properties) {
        return parse(properties.cluster().trustedProxies());
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public boolean trusts(InetAddress address) {
        for (Range range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The single addresses (not the ranges), as {@link InetAddress#getHostAddress()} writes them. */
    public List<String> singleAddresses() {
        return ranges.stream()
                .filter(r -> r.prefixBits == r.network.length * 8)
                .map(r -> r.address.getHostAddress())
                .toList();
    }

    /** True when every entry is a single address (no range). */
    public boolean onlySingleAddresses() {
        return singleAddresses().size() == ranges.size();
    }

    @Override
    public String toString() {
        return ranges.toString();
    }

    /**
     * An IPv4 or IPv6 address written as one, or null; never a name lookup ({@code InetAddress.getByName} looks up
     * whatever is not a well-formed literal, {@code 300.1.1.1} included).
     */
    public static InetAddress literal(String text) {
        if (text == null) {
            return null;
        }
        if (text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            for (String octet : text.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        } else if (!text.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            return null;
        }
        try {
            // A literal now: with a ':' Java parses IPv6 and never looks it up.
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private record Range(InetAddress address, byte[] network, int prefixBits) {
        static Range parse(String entry) {
            String host = entry;
            Integer prefix = null;
            int slash = entry.indexOf('/');
            if (slash >= 0) {
                host = entry.substring(0, slash);
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw invalid(entry);
                }
            }
            InetAddress address = literal(host);
            if (address == null) {
                throw invalid(entry);
            }
            byte[] bytes = address.getAddress();
            int bits = prefix == null ? bytes.length * 8 : prefix;
            if (bits < 0 || bits > bytes.length * 8) {
                throw invalid(entry);
            }
            return new Range(address, bytes, bits);
        }

        boolean contains(InetAddress candidate) {
            byte[] other = candidate.getAddress();
            if (other.length != network.length) {
                return false;
            }
            int whole = prefixBits / 8;
            for (int i = 0; i < whole; i++) {
                if (other[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (other[whole] & mask) == (network[whole] & mask);
        }

        @Override
        public String toString() {
            return address.getHostAddress() + (prefixBits == network.length * 8 ? "" : "/" + prefixBits);
        }

        private static IllegalArgumentException invalid(String entry) {
            return new IllegalArgumentException("doorward.cluster.trusted-proxies takes IP addresses or CIDR ranges"
                    + " (like 10.0.0.5 or 10.0.0.0/24), not '" + entry + "'");
        }
    }
}
