package dev.doorward.crypto.webpush;

import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.pki.Signatures;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Voluntary application server identification (RFC 8292): an ES256-signed JWT naming the push service's
 * origin ({@code aud}), an expiry ({@code exp}, at most 24 h ahead) and a contact ({@code sub}), sent with the
 * application server's public key as {@code Authorization: vapid t=…, k=…}. A push service delivers only
 * messages signed by the key the browser subscribed with.
 */
public final class Vapid {
    /** RFC 8292 §2: the push service may refuse a token that expires more than 24 hours ahead. */
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final String HEADER =
            B64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8));
    private static final Pattern SCHEME =
            Pattern.compile("vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_-]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern CLAIM = Pattern.compile("\"(aud|sub)\":\"([^\"\\\\]*)\"|\"exp\":(\\d+)");

    private Vapid() {}

    /** The {@code Authorization} header value for a request to {@code endpoint}. */
    public static String authorization(KeyPair key, URI endpoint, String subject, Instant expiresAt) {
        String claims = "{\"aud\":\"" + origin(endpoint) + "\",\"exp\":" + expiresAt.getEpochSecond() + ",\"sub\":\""
                + jsonSafe(subject) + "\"}";
        String signingInput = HEADER + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        byte[] signature = Signatures.sign(key.getPrivate(), signingInput.getBytes(StandardCharsets.US_ASCII));
        return "vapid t=" + signingInput + "." + B64.encodeToString(signature) + ", k="
                + B64.encodeToString(P256Points.encode(key.getPublic()));
    }

    /** The origin a token is for: scheme, host and a port other than the scheme's default. */
    public static String origin(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        String host = endpoint.getHost().toLowerCase(Locale.ROOT);
        int port = endpoint.getPort();
        boolean defaultPort =
                port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    /** What a push service learns from a valid header: the claims and the signing key (as sent, base64url). */
    public record Token(String audience, Instant expiresAt, String subject, String publicKey) {}

    /**
     * Checks an {@code Authorization} header as a push service does: well formed, ES256 by the key in
     * {@code k}. Empty when anything is wrong. (Expiry and audience are the caller's to judge.)
     */
    public static Optional<Token> verify(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        Matcher m = SCHEME.matcher(authorization.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        String[] parts = m.group(1).split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            byte[] point = B64D.decode(m.group(2));
            ECPublicKey key = P256Points.decode(point);
            String header = new String(B64D.decode(parts[0]), StandardCharsets.UTF_8);
            if (!header.replace(" ", "").contains("\"alg\":\"ES256\"")) {
                return Optional.empty();
            }
            boolean valid = Signatures.verify(
                    key.getEncoded(),
                    (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII),
                    B64D.decode(parts[2]));
            if (!valid) {
                return Optional.empty();
            }
            String claims = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8);
            String aud = null;
            String sub = null;
            Long exp = null;
            Matcher c = CLAIM.matcher(claims);
            while (c.find()) {
                if (c.group(3) != null) {
                    exp = Long.parseLong(c.group(3));
                } else if (c.group(1).equals("aud")) {
                    aud = c.group(2);
                } else {
                    sub = c.group(2);
                }
            }
            if (aud == null || exp == null) {
                return Optional.empty();
            }
            return Optional.of(new Token(aud, Instant.ofEpochSecond(exp), sub, m.group(2)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String jsonSafe(String subject) {
        if (subject == null || !subject.matches("(mailto:|https://)[\\x21-\\x7e&&[^\"\\\\]]+")) {
            throw new IllegalArgumentException("the VAPID contact must be a mailto: or https: URI");
        }
        return subject;
    }
}
