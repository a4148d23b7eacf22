package dev.doorward.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * What the owner shows an owned doorbell in pairing mode when its hub has a new address (a new domain, a
 * new port, a move to another machine with the same hub CA): the new address, signed by the owner's browser
 * key. The doorbell follows it only if the signature is by the key it pinned, the hub CA is the one it
 * pinned, and the statement names this very device. A new owner can never be brought in this way.
 *
 * <p>Text form: {@code DOORWARD-MOVE:1:<deviceId>:<caFingerprint>:<issuedAt>:<signature>:<signerKey>:<hubUrl>};
 * the signed statement is {@link #statement()}.
 */
public record MoveCode(
        String deviceId, String caFingerprint, long issuedAt, String signature, String signerPublicKey, URI hubUrl) {

    private static final String PREFIX = "DOORWARD-MOVE:1:";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final Pattern FINGERPRINT = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{1,400}");
    public static final int MAX_CHARS = 1024;

    public MoveCode {
        if (deviceId == null || !ID.matcher(deviceId).matches()) {
            throw new IllegalArgumentException("device id is not an id");
        }
        if (caFingerprint == null || !FINGERPRINT.matcher(caFingerprint).matches()) {
            throw new IllegalArgumentException("CA fingerprint is not a SHA-256 fingerprint");
        }
        if (signature == null || !BASE64URL.matcher(signature).matches()) {
            throw new IllegalArgumentException("signature is not base64url");
        }
        if (signerPublicKey == null || !BASE64URL.matcher(signerPublicKey).matches()) {
            throw new IllegalArgumentException("signer key is not base64url");
        }
        if (hubUrl == null
                || !"wss".equals(hubUrl.getScheme())
                || hubUrl.getHost() == null
                || hubUrl.getRawUserInfo() != null
                || hubUrl.getRawQuery() != null
                || hubUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("hub URL must be a plain wss:// URL");
        }
    }

    /** The text the owner's key signs. */
    public String statement() {
        return statement(deviceId, caFingerprint, issuedAt, hubUrl);
    }

    public static String statement(String deviceId, String caFingerprint, long issuedAt, URI hubUrl) {
        return "doorward-move:1:" + deviceId + ":" + caFingerprint + ":" + issuedAt + ":" + hubUrl;
    }

    public byte[] signatureBytes() {
        return Base64.getUrlDecoder().decode(signature);
    }

    public byte[] signerPublicKeyBytes() {
        return Base64.getUrlDecoder().decode(signerPublicKey);
    }

    public String format() {
        return PREFIX + deviceId + ":" + caFingerprint + ":" + issuedAt + ":" + signature + ":" + signerPublicKey + ":"
                + hubUrl;
    }

    public static boolean looksLikeOne(String text) {
        return text != null && text.startsWith(PREFIX);
    }

    public static MoveCode parse(String text) {
        if (text == null || text.length() > MAX_CHARS || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Doorward move code");
        }
        String[] parts = text.substring(PREFIX.length()).split(":", 6);
        if (parts.length != 6) {
            throw new IllegalArgumentException("move code has missing parts");
        }
        try {
            return new MoveCode(parts[0], parts[1], Long.parseLong(parts[2]), parts[3], parts[4], new URI(parts[5]));
        } catch (URISyntaxException | NumberFormatException e) {
            throw new IllegalArgumentException("move code is malformed");
        }
    }
}
