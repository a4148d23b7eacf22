package dev.doorward.device.ownership;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Statements only the owner can make — release, settings — have one shape:
 * {@code <kind>:1:<deviceId>:<epoch millis>[:<value>]}, signed (ECDSA P-256, P1363) by the browser key the
 * device pinned at claim time. The hub carries them and cannot make them.
 */
public final class OwnerStatements {
    /** A statement is acted on at once; an old one (captured, replayed) is refused. */
    static final Duration FRESHNESS = Duration.ofMinutes(10);

    private OwnerStatements() {}

    /** What a checked statement says: its value part, or why it was refused. */
    public record Checked(Optional<String> value, Optional<String> problem) {
        static Checked refused(String why) {
            return new Checked(Optional.empty(), Optional.of(why));
        }
    }

    public static String text(String kind, String deviceId, Instant issuedAt, String value) {
        return kind + ":1:" + deviceId + ":" + issuedAt.toEpochMilli() + (value == null ? "" : ":" + value);
    }

    public static Checked check(
            String kind,
            boolean withValue,
            String statement,
            byte[] signature,
            byte[] signerPublicKey,
            Ownership ownership,
            Instant now) {
        if (!ownership.isOwned() || ownership.deviceIdIfOwned().isEmpty()) {
            return Checked.refused("not owned");
        }
        String prefix = kind + ":1:";
        if (statement == null || !statement.startsWith(prefix)) {
            return Checked.refused("not a " + kind + " statement");
        }
        String[] parts = statement.substring(prefix.length()).split(":", -1);
        if (parts.length != (withValue ? 3 : 2)
                || !parts[0].equals(ownership.deviceIdIfOwned().get())) {
            return Checked.refused("for another device");
        }
        Instant issuedAt;
        try {
            issuedAt = Instant.ofEpochMilli(Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            return Checked.refused("bad time");
        }
        if (Duration.between(issuedAt, now).abs().compareTo(FRESHNESS) > 0) {
            return Checked.refused("too old or from the future");
        }
        if (!Hashes.constantTimeEquals(
                Fingerprints.ofSubjectPublicKeyInfo(signerPublicKey), ownership.ownerKeyFingerprint())) {
            return Checked.refused("not signed by the owner's key");
        }
        if (!Signatures.verify(signerPublicKey, statement.getBytes(StandardCharsets.UTF_8), signature)) {
            return Checked.refused("bad signature");
        }
        return new Checked(withValue ? Optional.of(parts[2]) : Optional.empty(), Optional.empty());
    }
}
