package dev.doorward.device.ownership;

import dev.doorward.protocol.LinkMessage.Release;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks an owner's release. Only the browser key pinned at claim time can release the device: the hub that
 * carries the statement has no such key, so a compromised hub cannot take a doorbell away from its owner.
 */
public final class ReleaseStatement {
    static final String KIND = "doorward-release";

    private ReleaseStatement() {}

    public static String text(String deviceId, Instant issuedAt) {
        return OwnerStatements.text(KIND, deviceId, issuedAt, null);
    }

    /** Empty when the release is good; otherwise why it is refused. */
    public static Optional<String> problem(Release release, Ownership ownership, Instant now) {
        try {
            return OwnerStatements.check(
                            KIND,
                            false,
                            release.statement(),
                            release.signatureBytes(),
                            release.signerPublicKeyBytes(),
                            ownership,
                            now)
                    .problem();
        } catch (IllegalArgumentException e) {
            return Optional.of("malformed");
        }
    }
}
