package dev.doorward.device.ownership;

import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkMessage.CertificateRenewed;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.RenewCertificate;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the operational certificate fresh while the link is up: asks the hub for a new one past half its lifetime
 * (at each connect and then daily), and stores a renewed one only if {@link CertificateRenewal#verify} accepts it.
 * Runs on the agent thread.
 */
public final class CertificateRenewer {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);

    private final Clock clock;
    private final Supplier<Ownership> ownership;
    private final Consumer<Ownership> change;
    private final PublicKey deviceKey;
    private final Runnable renewed;
    /** When a connected device next checks its certificate; null while the link is down. */
    private Instant nextCheck;

    /**
     * {@code deviceKey} is the device's identity key, which a renewed certificate must certify; {@code renewed}
     * runs after a new certificate is stored (the next connection presents it).
     */
    public CertificateRenewer(
            Clock clock,
            Supplier<Ownership> ownership,
            Consumer<Ownership> change,
            PublicKey deviceKey,
            Runnable renewed) {
        this.clock = clock;
        this.ownership = ownership;
        this.change = change;
        this.deviceKey = deviceKey;
        this.renewed = renewed;
    }

    /** Checks now (the link just came up) and sends the request through {@code send} if renewal is due. */
    public void check(Consumer<FromDevice> send) {
        Instant now = clock.instant();
        nextCheck = now.plus(CertificateRenewal.CHECK_EVERY);
        Ownership owned = ownership.get();
        if (owned.isOwned() && CertificateRenewal.due(owned.operationalCertificate(), now)) {
            log.info("Operational certificate past half its lifetime: asking the hub for a new one");
            send.accept(new RenewCertificate());
        }
    }

    /** Whether the daily check is due (never while the link is down). */
    public boolean checkDue() {
        return nextCheck != null && !clock.instant().isBefore(nextCheck);
    }

    /** The link ended: no checks until the next one comes up. */
    public void linkStopped() {
        nextCheck = null;
    }

    /** The hub's answer: stored if it certifies this device's key for its owner, else refused to the hub. */
    public void renewed(CertificateRenewed message, Consumer<FromDevice> send) {
        Ownership owned = ownership.get();
        CertificateRenewal.Verdict verdict =
                CertificateRenewal.verify(message.operationalCertificatePem(), owned, deviceKey, clock.instant());
        switch (verdict) {
            case CertificateRenewal.Verdict.Refused refused -> {
                log.warn("Refused a renewed operational certificate: {}", refused.why());
                send.accept(new LinkError(ErrorCode.INVALID_FIELD, "renewed certificate refused: " + refused.why()));
            }
            case CertificateRenewal.Verdict.Accepted accepted -> {
                change.accept(owned.withOperationalCertificate(accepted.certificate()));
                renewed.run();
                log.info(
                        "Stored a renewed operational certificate (valid until {})",
                        accepted.certificate().getNotAfter().toInstant());
            }
        }
    }
}
