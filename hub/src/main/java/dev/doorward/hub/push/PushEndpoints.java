package dev.doorward.hub.push;

import dev.doorward.hub.config.HubProperties;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The SSRF guard for push endpoints. A subscription's endpoint is a URL a browser (or whoever holds a session)
 * hands the hub, which then POSTs to it: without this check a member could make the hub reach its own
 * database, the router's admin page or a cloud metadata service. An endpoint must be https with a host name
 * or public address; the name is resolved and every address must be public (not loopback, private, link-local,
 * CGNAT, multicast, unspecified, documentation or reserved). The sender connects to the address checked here,
 * so a second DNS answer cannot swap in another one. Host names in {@code doorward.push.allowed-hosts} (a
 * self-hosted push service) may resolve to anything; that is the only way to reach a private address.
 */
@Component
class PushEndpoints {
    static final int MAX_ENDPOINT_CHARS = 1024;

    /** Resolves host names; the real DNS in the hub. */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** An endpoint that passed, with the addresses (all checked) to connect to, in order. */
    record Checked(URI uri, String host, int port, List<InetAddress> addresses) {}

    /** Why an endpoint is refused; the message is shown to the member. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final Set<String> allowedHosts;
    private final Resolver resolver;

    @Autowired
    PushEndpoints(HubProperties properties) {
        this(properties.push().allowedHosts(), InetAddress::getAllByName);
    }

    PushEndpoints(List<String> allowedHosts, Resolver resolver) {
        this.allowedHosts =
                allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    /** Parses and checks the URL's form only (no DNS): https, a host, no user info or fragment. */
    URI parse(String endpoint) throws Refused {
        if (endpoint == null || endpoint.isEmpty() || endpoint.length() > MAX_ENDPOINT_CHARS) {
            throw new Refused(
                    "The push endpoint must be an https URL of at most " + MAX_ENDPOINT_CHARS + " characters");
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new Refused("The push endpoint is not a valid URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new Refused("The push endpoint must use https");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new Refused("The push endpoint must be a plain https URL with a host");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new Refused("The push endpoint's port is not valid");
        }
        return uri;
    }

    /** Parses, resolves and checks an endpoint; the answer names the only addresses to connect to. */
    Checked check(String endpoint) throws Refused {
        URI uri = parse(endpoint);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        boolean literal = host.startsWith("[") || host.matches("[0-9.]+");
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            throw new Refused("The push service's host name does not resolve");
        }
        if (addresses.length == 0) {
            throw new Refused("The push service's host name does not resolve");
        }
        boolean allowed = !literal && allowedHosts.contains(bare);
        if (!allowed) {
            // Every address, not just the first: a name that also resolves to 127.0.0.1 is one retry from it.
            for (InetAddress address : addresses) {
                if (!isPublic(address)) {
                    throw new Refused("The push endpoint points to a private, local or reserved address");
                }
            }
        }
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        return new Checked(uri, bare, port, List.of(addresses));
    }

    /** True for an address on the public internet. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress()
                || address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local (also AWS's fd00:ec2::254 metadata)
            }
            if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return false; // fec0::/10 old site-local
            }
            if (first == 0x20 && b[1] == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            if (first == 0x20 && b[1] == 0x02) {
                return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4 carries an IPv4 address
            }
            if (first == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // NAT64 64:ff9b::/96
            }
            boolean firstTwelveZero = true;
            for (int i = 0; i < 12; i++) {
                firstTwelveZero &= b[i] == 0;
            }
            if (firstTwelveZero) {
                return false; // ::/96, IPv4-compatible: nothing public lives there
            }
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
            }
            return (first & 0xe0) == 0x20; // global unicast is 2000::/3
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return !(a0 == 0 // "this network"
                || a0 == 10
                || a0 == 127
                || (a0 == 100 && (a1 & 0xc0) == 64) // 100.64.0.0/10 CGNAT (also Alibaba's metadata address)
                || (a0 == 169 && a1 == 254) // link-local, cloud metadata 169.254.169.254
                || (a0 == 172 && (a1 & 0xf0) == 16)
                || (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) // IETF protocol assignments, TEST-NET-1
                || (a0 == 192 && a1 == 88 && a2 == 99) // 6to4 relay anycast
                || (a0 == 192 && a1 == 168)
                || (a0 == 198 && (a1 & 0xfe) == 18) // benchmarking
                || (a0 == 198 && a1 == 51 && a2 == 100) // TEST-NET-2
                || (a0 == 203 && a1 == 0 && a2 == 113) // TEST-NET-3
                || a0 >= 224); // multicast, reserved, broadcast
    }
}
