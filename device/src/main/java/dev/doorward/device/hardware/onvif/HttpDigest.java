package dev.doorward.device.hardware.onvif;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP digest authentication (RFC 7616 with MD5, {@code qop=auth} or none), the fallback for doorbells that
 * refuse WS-Security and answer 401 with a {@code WWW-Authenticate: Digest} challenge. Only the response hash
 * travels, never the password. One challenge is reused with a counting {@code nc} until the doorbell asks again.
 */
final class HttpDigest {
    private final String realm;
    private final String nonce;
    private final Optional<String> opaque;
    private final boolean qopAuth;
    private int count;

    private HttpDigest(String realm, String nonce, Optional<String> opaque, boolean qopAuth) {
        this.realm = realm;
        this.nonce = nonce;
        this.opaque = opaque;
        this.qopAuth = qopAuth;
    }

    /** The first MD5 digest challenge among the headers' values, if any. */
    static Optional<HttpDigest> challenge(List<String> wwwAuthenticate) {
        for (String header : wwwAuthenticate) {
            String h = header.strip();
            if (!h.regionMatches(true, 0, "Digest ", 0, 7)) {
                continue;
            }
            Map<String, String> p = parameters(h.substring(7));
            String algorithm = p.getOrDefault("algorithm", "MD5");
            String qop = p.get("qop");
            boolean auth = qop != null
                    && List.of(qop.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("auth");
            if (p.containsKey("realm")
                    && p.containsKey("nonce")
                    && algorithm.equalsIgnoreCase("MD5")
                    && (qop == null || auth)) {
                return Optional.of(
                        new HttpDigest(p.get("realm"), p.get("nonce"), Optional.ofNullable(p.get("opaque")), auth));
            }
        }
        return Optional.empty();
    }

    /** {@code key=value} and {@code key="quoted, value"} pairs, separated by commas. */
    static Map<String, String> parameters(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < text.length()) {
            while (i < text.length() && (text.charAt(i) == ',' || Character.isWhitespace(text.charAt(i)))) {
                i++;
            }
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = text.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    value.append(text.charAt(i++));
                }
                i++;
            } else {
                while (i < text.length() && text.charAt(i) != ',') {
                    value.append(text.charAt(i++));
                }
            }
            out.putIfAbsent(key, value.toString().strip());
        }
        return out;
    }

    /** The Authorization header for one request. */
    synchronized String authorization(String user, String password, String method, String uri, byte[] cnonce) {
        count++;
        String nc = String.format(Locale.ROOT, "%08x", count);
        String cn = HexFormat.of().formatHex(cnonce);
        String ha1 = md5(user + ":" + realm + ":" + password);
        String ha2 = md5(method + ":" + uri);
        String response = qopAuth
                ? md5(ha1 + ":" + nonce + ":" + nc + ":" + cn + ":auth:" + ha2)
                : md5(ha1 + ":" + nonce + ":" + ha2);
        StringBuilder h = new StringBuilder("Digest username=\"")
                .append(quoted(user))
                .append("\", realm=\"")
                .append(quoted(realm))
                .append("\", nonce=\"")
                .append(quoted(nonce))
                .append("\", uri=\"")
                .append(quoted(uri))
                .append("\", algorithm=MD5, response=\"")
                .append(response)
                .append('"');
        if (qopAuth) {
            h.append(", qop=auth, nc=")
                    .append(nc)
                    .append(", cnonce=\"")
                    .append(cn)
                    .append('"');
        }
        opaque.ifPresent(o -> h.append(", opaque=\"").append(quoted(o)).append('"'));
        return h.toString();
    }

    private static String md5(String text) {
        return HexFormat.of().formatHex(Hashes.md5ForLegacyProtocol(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
