package dev.doorward.device.ownership;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Statements only the owner can make — release, settings — have one shape:
 * {@code <kind>:1:<deviceId>:<epoch millis>[:<value>]}, signed (ECDSA P-256, P1363) by the browser key the
 * device pinned at claim time, or by an owner or admin browser of the roster it holds. The hub carries them
 * and cannot make them.
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
        if (!signedByOwnerOrAdmin(signerPublicKey, ownership, now)) {
            return Checked.refused("not signed by the owner's key");
        }
        if (!Signatures.verify(signerPublicKey, statement.getBytes(StandardCharsets.UTF_8), signature)) {
            return Checked.refused("bad signature");
        }
        return new Checked(withValue ? Optional.of(parts[2]) : Optional.empty(), Optional.empty());
    }

    /**
     * The pinned owner key, or an owner or admin of the roster the device holds (unexpired, listed with this
     * very key): the household's admins manage its doorbells too, and the roster is what says who they are.
     */
    static boolean signedByOwnerOrAdmin(byte[] signerPublicKey, Ownership ownership, Instant now) {
        String fingerprint;
        try {
            fingerprint = Fingerprints.ofSubjectPublicKeyInfo(signerPublicKey);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (Hashes.constantTimeEquals(fingerprint, ownership.ownerKeyFingerprint())) {
            return true;
        }
        Optional<Roster.Member> member =
                ownership.roster().map(Roster::parse).flatMap(r -> r.memberWithFingerprint(fingerprint));
        return member.isPresent()
                && (member.get().role() == Roster.Role.OWNER || member.get().role() == Roster.Role.ADMIN)
                && Hashes.constantTimeEquals(member.get().signingKeyBytes(), signerPublicKey)
                && member.get()
                        .validUntil()
                        .map(until -> now.toEpochMilli() < until)
                        .orElse(true);
    }
}
