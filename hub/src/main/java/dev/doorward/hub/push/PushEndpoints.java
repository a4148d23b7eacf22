package dev.doorward.hub.push;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.outbound.PublicAddresses;
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

    /** True for an address on the public internet (one rule for every outbound call: {@link PublicAddresses}). */
    static boolean isPublic(InetAddress address) {
        return PublicAddresses.isPublic(address);
    }
}
