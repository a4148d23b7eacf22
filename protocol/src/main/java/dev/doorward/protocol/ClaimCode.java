package dev.doorward.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * What the owner's screen shows the doorbell camera as a QR code to claim it: the one-time ticket, the hub
 * to connect to, the fingerprint of that hub's CA (so the device trusts only that hub) and the fingerprint
 * of the owner client's signing key (pinned by the device; "-" when the browser has no key yet).
 *
 * <p>Text form: {@code DOORWARD-CLAIM:1:<ticket>:<caFingerprint>:<ownerKeyFingerprint>:<hubUrl>}; the hub
 * URL comes last because it contains colons. It carries no secret that is useful without the device's
 * setup code, and nothing about the owner's network.
 */
public record ClaimCode(String ticket, String caFingerprint, String ownerKeyFingerprint, URI hubUrl) {

    private static final String PREFIX = "DOORWARD-CLAIM:1:";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final Pattern FINGERPRINT = Pattern.compile("[A-Za-z0-9_-]{43}");
    public static final int MAX_CHARS = 512;
    public static final String NO_OWNER_KEY = "-";

    public ClaimCode {
        if (ticket == null || !ID.matcher(ticket).matches()) {
            throw new IllegalArgumentException("ticket is not an id");
        }
        if (caFingerprint == null || !FINGERPRINT.matcher(caFingerprint).matches()) {
            throw new IllegalArgumentException("CA fingerprint is not a SHA-256 fingerprint");
        }
        if (ownerKeyFingerprint == null
                || !(NO_OWNER_KEY.equals(ownerKeyFingerprint)
                        || FINGERPRINT.matcher(ownerKeyFingerprint).matches())) {
            throw new IllegalArgumentException("owner key fingerprint is not a SHA-256 fingerprint");
        }
        if (hubUrl == null || !"wss".equals(hubUrl.getScheme()) || hubUrl.getHost() == null) {
            throw new IllegalArgumentException("hub URL must be a wss:// URL with a host");
        }
        if (hubUrl.getRawUserInfo() != null || hubUrl.getRawQuery() != null || hubUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("hub URL must not carry user info, query or fragment");
        }
    }

    public String format() {
        return PREFIX + ticket + ":" + caFingerprint + ":" + ownerKeyFingerprint + ":" + hubUrl;
    }

    /** Parses what a QR scanner read. Anything else than a well-formed claim code is refused. */
    public static ClaimCode parse(String text) {
        if (text == null || text.length() > MAX_CHARS || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Doorward claim code");
        }
        String[] parts = text.substring(PREFIX.length()).split(":", 4);
        if (parts.length != 4) {
            throw new IllegalArgumentException("claim code has missing parts");
        }
        try {
            return new ClaimCode(parts[0], parts[1], parts[2], new URI(parts[3]));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("claim code has a bad hub URL");
        }
    }

    @Override
    public String toString() {
        // The ticket is a one-time bearer value: keep it out of logs.
        return "ClaimCode[hub=" + hubUrl + ", ca=" + caFingerprint + ", ticket=[REDACTED]]";
    }
}
