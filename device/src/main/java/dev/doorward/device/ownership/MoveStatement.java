package dev.doorward.device.ownership;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.MoveCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Checks a move code: same hub (CA), this device, signed by the pinned owner key, recent. */
public final class MoveStatement {
    /** A move code is shown when it is made; one found in a drawer a month later is refused. */
    static final Duration FRESHNESS = Duration.ofHours(24);

    private MoveStatement() {}

    /** Empty when the doorbell may follow the code; otherwise why not. */
    public static Optional<String> problem(MoveCode code, Ownership ownership, Instant now) {
        if (!ownership.isOwned() || ownership.deviceIdIfOwned().isEmpty()) {
            return Optional.of("not owned");
        }
        if (!code.deviceId().equals(ownership.deviceIdIfOwned().get())) {
            return Optional.of("for another device");
        }
        if (!Hashes.constantTimeEquals(code.caFingerprint(), Fingerprints.of(ownership.hubCa()))) {
            return Optional.of("for another hub");
        }
        if (Duration.between(Instant.ofEpochMilli(code.issuedAt()), now).abs().compareTo(FRESHNESS) > 0) {
            return Optional.of("too old or from the future");
        }
        byte[] signer;
        try {
            signer = code.signerPublicKeyBytes();
        } catch (IllegalArgumentException e) {
            return Optional.of("bad signer key");
        }
        if (!OwnerStatements.signedByOwnerOrAdmin(signer, ownership, now)) {
            return Optional.of("not signed by the owner's key");
        }
        if (!Signatures.verify(signer, code.statement().getBytes(StandardCharsets.UTF_8), code.signatureBytes())) {
            return Optional.of("bad signature");
        }
        return Optional.empty();
    }
}
