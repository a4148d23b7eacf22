package dev.doorward.hub.ntfy;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.outbound.PublicAddresses;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The hub posts to URLs members type in, so each one is checked like a request from outside (SSRF): https only,
 * no credentials, query or fragment in it, a host name (not an address literal) that resolves only to public
 * addresses — checked when the topic is set and again before every post, since a name can be re-pointed. Host names
 * an operator lists in {@code doorward.ntfy.allowed-hosts} (a self-hosted ntfy at home) may resolve to private ones.
 *
 * <p>The push branch has the same rules for Web Push endpoints; the two belong in one guard when they meet.
 */
@Component
class TopicUrls {
    static final int MAX_LENGTH = 512;
    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]{0,62}\\.)*[a-z0-9-]{1,63}");
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.~-]{1,128}){1,4}");

    private final Set<String> allowedHosts;

    TopicUrls(HubProperties properties) {
        this.allowedHosts = properties.ntfy().allowedHosts().stream()
                .map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The URL if its form is acceptable; {@link InvalidTopic} with the reason otherwise. Resolves nothing. */
    URI parse(String text) {
        if (text == null || text.isBlank() || text.length() > MAX_LENGTH) {
            throw new InvalidTopic("A topic URL is https://host/topic, at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new InvalidTopic("This is not a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new InvalidTopic("Only https topic URLs are allowed");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new InvalidTopic("A topic URL has no user name, password, query or fragment");
        }
        String host = uri.getHost();
        if (host == null) {
            throw new InvalidTopic("A topic URL needs a host name");
        }
        host = IDN.toASCII(host).toLowerCase(Locale.ROOT);
        if (host.startsWith("[")
                || host.matches("[0-9.]+")
                || !HOST.matcher(host).matches()) {
            throw new InvalidTopic("A topic URL names its server by host name, not by address");
        }
        if (uri.getRawPath() == null || !PATH.matcher(uri.getRawPath()).matches()) {
            throw new InvalidTopic("A topic URL ends in the topic: https://host/topic");
        }
        return uri;
    }

    /** Resolves the host now; refuses one that reaches anything but the public internet (unless allowed). */
    void checkReachable(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        List<InetAddress> addresses;
        try {
            addresses = List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw new InvalidTopic("The topic's host name does not resolve");
        }
        if (allowedHosts.contains(host)) {
            return;
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new InvalidTopic("The topic's host is on a private or local network (an operator can allow it)");
            }
        }
    }

    static boolean isPublic(InetAddress address) {
        return PublicAddresses.isPublic(address);
    }

    /** A topic URL that is not acceptable, with the reason for the member. */
    static final class InvalidTopic extends RuntimeException {
        InvalidTopic(String message) {
            super(message, null, false, false);
        }
    }
}
