package dev.doorward.device.ownership;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.LinkMessage.Release;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks an owner's release. Only the browser key pinned at claim time can release the device: the hub that
 * carries the statement has no such key, so a compromised hub cannot take a doorbell away from its owner.
 */
public final class ReleaseStatement {
    static final String PREFIX = "doorward-release:1:";
    /** A release is acted on at once; an old one (captured, replayed) is refused. */
    static final Duration FRESHNESS = Duration.ofMinutes(10);

    private ReleaseStatement() {}

    public static String text(String deviceId, Instant issuedAt) {
        return PREFIX + deviceId + ":" + issuedAt.toEpochMilli();
    }

    /** Empty when the release is good; otherwise why it is refused. */
    public static Optional<String> problem(Release release, Ownership ownership, Instant now) {
        if (!ownership.isOwned() || ownership.deviceIdIfOwned().isEmpty()) {
            return Optional.of("not owned");
        }
        String statement = release.statement();
        if (!statement.startsWith(PREFIX)) {
            return Optional.of("not a release statement");
        }
        String[] parts = statement.substring(PREFIX.length()).split(":");
        if (parts.length != 2 || !parts[0].equals(ownership.deviceIdIfOwned().get())) {
            return Optional.of("for another device");
        }
        Instant issuedAt;
        try {
            issuedAt = Instant.ofEpochMilli(Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            return Optional.of("bad time");
        }
        if (Duration.between(issuedAt, now).abs().compareTo(FRESHNESS) > 0) {
            return Optional.of("too old or from the future");
        }
        byte[] signer = release.signerPublicKeyBytes();
        String fingerprint = Fingerprints.ofSubjectPublicKeyInfo(signer);
        if (!Hashes.constantTimeEquals(fingerprint, ownership.ownerKeyFingerprint())) {
            return Optional.of("not signed by the owner's key");
        }
        if (!Signatures.verify(signer, statement.getBytes(StandardCharsets.UTF_8), release.signatureBytes())) {
            return Optional.of("bad signature");
        }
        return Optional.empty();
    }
}
