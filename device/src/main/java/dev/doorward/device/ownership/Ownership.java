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
 * and the owner client's key fingerprint it read from the owner's QR code.
 */
public record Ownership(
        OwnershipState state,
        String deviceId,
        URI hubUrl,
        X509Certificate hubCa,
        X509Certificate operationalCertificate,
        String ownerKeyFingerprint,
        Instant claimedAt) {

    private static final Ownership FACTORY_NEW =
            new Ownership(OwnershipState.FACTORY_NEW, null, null, null, null, null, null);

    public Ownership {
        Objects.requireNonNull(state, "state");
        if (state != OwnershipState.FACTORY_NEW) {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(hubUrl, "hubUrl");
            Objects.requireNonNull(hubCa, "hubCa");
            Objects.requireNonNull(operationalCertificate, "operationalCertificate");
            Objects.requireNonNull(ownerKeyFingerprint, "ownerKeyFingerprint");
            Objects.requireNonNull(claimedAt, "claimedAt");
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
                OwnershipState.OWNED, deviceId, hubUrl, hubCa, operationalCertificate, ownerKeyFingerprint, claimedAt);
    }

    public boolean isOwned() {
        return state == OwnershipState.OWNED;
    }

    public Optional<String> deviceIdIfOwned() {
        return Optional.ofNullable(deviceId);
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
}
