package dev.doorward.device.ownership;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Fingerprints;
import java.net.URI;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The device's record of its owner. For {@link OwnershipState#FACTORY_NEW} every other field is null; an
 * owned device knows the hub it belongs to, the hub CA it pinned, the operational certificate the hub issued
 * and the owner client's key fingerprint it read from the owner's QR code. A device in
 * {@link OwnershipState#RESET_PENDING} is still owned and also knows when its cooling-off period ends.
 *
 * @param resetAt when a pending physical reset takes effect; set exactly in RESET_PENDING
 * @param vetoedAt when the owner last vetoed a physical reset (the device is "flagged"); null if never
 */
public record Ownership(
        OwnershipState state,
        String deviceId,
        URI hubUrl,
        X509Certificate hubCa,
        X509Certificate operationalCertificate,
        String ownerKeyFingerprint,
        Instant claimedAt,
        Instant resetAt,
        Instant vetoedAt,
        String rosterText) {

    private static final Ownership FACTORY_NEW =
            new Ownership(OwnershipState.FACTORY_NEW, null, null, null, null, null, null, null, null, null);

    public Ownership {
        Objects.requireNonNull(state, "state");
        if (state == OwnershipState.FACTORY_NEW) {
            if (deviceId != null
                    || hubUrl != null
                    || hubCa != null
                    || operationalCertificate != null
                    || ownerKeyFingerprint != null
                    || claimedAt != null
                    || resetAt != null
                    || vetoedAt != null
                    || rosterText != null) {
                throw new IllegalArgumentException("a factory-new device keeps nothing about an owner");
            }
        } else {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(hubUrl, "hubUrl");
            Objects.requireNonNull(hubCa, "hubCa");
            Objects.requireNonNull(operationalCertificate, "operationalCertificate");
            Objects.requireNonNull(ownerKeyFingerprint, "ownerKeyFingerprint");
            Objects.requireNonNull(claimedAt, "claimedAt");
            if ((state == OwnershipState.RESET_PENDING) != (resetAt != null)) {
                throw new IllegalArgumentException("a reset deadline exists exactly while a reset is pending");
            }
        }
    }

    public static Ownership factoryNew() {
        return FACTORY_NEW;
    }

    public static Ownership owned(
            String deviceId,
            URI hubUrl,
            X509Certificate hubCa,
            X509Certificate operationalCertificate,
            String ownerKeyFingerprint,
            Instant claimedAt) {
        return new Ownership(
                OwnershipState.OWNED,
                deviceId,
                hubUrl,
                hubCa,
                operationalCertificate,
                ownerKeyFingerprint,
                claimedAt,
                null,
                null,
                null);
    }

    /**
     * True if the device has an owner: {@link OwnershipState#OWNED} or {@link OwnershipState#RESET_PENDING}
     * (a pending reset changes nothing about who owns the device until it completes).
     */
    public boolean isOwned() {
        return state != OwnershipState.FACTORY_NEW;
    }

    public boolean isResetPending() {
        return state == OwnershipState.RESET_PENDING;
    }

    /** True once the owner has vetoed a physical reset of this device. */
    public boolean flagged() {
        return vetoedAt != null;
    }

    public Optional<String> deviceIdIfOwned() {
        return Optional.ofNullable(deviceId);
    }

    public Optional<Instant> resetDeadline() {
        return Optional.ofNullable(resetAt);
    }

    /** The same owner, with a physical reset pending until {@code deadline}. */
    public Ownership withResetPending(Instant deadline) {
        requireOwned();
        Objects.requireNonNull(deadline, "deadline");
        return new Ownership(
                OwnershipState.RESET_PENDING,
                deviceId,
                hubUrl,
                hubCa,
                operationalCertificate,
                ownerKeyFingerprint,
                claimedAt,
                deadline,
                vetoedAt,
                rosterText);
    }

    /** The same owner, the pending reset vetoed at {@code at}: owned again, and flagged. */
    public Ownership withResetVetoed(Instant at) {
        requireOwned();
        Objects.requireNonNull(at, "at");
        return new Ownership(
                OwnershipState.OWNED,
                deviceId,
                hubUrl,
                hubCa,
                operationalCertificate,
                ownerKeyFingerprint,
                claimedAt,
                null,
                at,
                rosterText);
    }

    /** The same record with a renewed operational certificate. */
    /** The same hub at a new address (a move signed by the owner). */
    public Ownership withHubUrl(URI moved) {
        requireOwned();
        Objects.requireNonNull(moved, "moved");
        return new Ownership(
                state,
                deviceId,
                moved,
                hubCa,
                operationalCertificate,
                ownerKeyFingerprint,
                claimedAt,
                resetAt,
                vetoedAt,
                rosterText);
    }

    public Ownership withOperationalCertificate(X509Certificate renewed) {
        requireOwned();
        Objects.requireNonNull(renewed, "renewed");
        return new Ownership(
                state, deviceId, hubUrl, hubCa, renewed, ownerKeyFingerprint, claimedAt, resetAt, vetoedAt, rosterText);
    }

    /**
     * The same owner with a newly accepted roster: its text and the owner key it names, which is pinned from
     * now on (it changes only on a handover the previous owner signed; see RosterVerifier).
     */
    public Ownership withRoster(String acceptedRosterText, String rosterOwnerFingerprint) {
        requireOwned();
        Objects.requireNonNull(acceptedRosterText, "acceptedRosterText");
        Objects.requireNonNull(rosterOwnerFingerprint, "rosterOwnerFingerprint");
        return new Ownership(
                state,
                deviceId,
                hubUrl,
                hubCa,
                operationalCertificate,
                rosterOwnerFingerprint,
                claimedAt,
                resetAt,
                vetoedAt,
                acceptedRosterText);
    }

    /** The roster the device holds, if any (none right after a claim). */
    public Optional<String> roster() {
        return Optional.ofNullable(rosterText);
    }

    /** The fingerprint of the pinned hub CA, comparable with {@code ClaimCode.caFingerprint()}. */
    public Optional<String> hubCaFingerprint() {
        return hubCa == null ? Optional.empty() : Optional.of(Fingerprints.of(hubCa));
    }

    /** The device's own key with the certificate its hub issued: what it presents on the normal link. */
    public Credential operationalCredential(PrivateKey deviceKey) {
        if (operationalCertificate == null) {
            throw new IllegalStateException("a device that is not owned has no operational credential");
        }
        return new Credential(deviceKey, List.of(operationalCertificate));
    }

    private void requireOwned() {
        if (!isOwned()) {
            throw new IllegalStateException("a factory-new device has no owner");
        }
    }
}
