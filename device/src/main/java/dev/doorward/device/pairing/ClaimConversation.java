package dev.doorward.device.pairing;

import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.ClaimAccepted;
import dev.doorward.protocol.LinkMessage.ClaimChallenge;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRefusal;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Welcome;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The device's half of one claim attempt, without sockets: feed it what the hub sent, send what it returns.
 *
 * <pre>
 * device → Hello(claim)           hub → Welcome
 * device → ClaimRequest(ticket, salt, B)
 *                                 hub → ClaimChallenge(A, M1)  or ClaimRefused
 * device checks M1 (the hub knows the setup code the owner typed)
 * device → ClaimConfirm(M2)       or ClaimRefused(wrong-code)
 *                                 hub → ClaimAccepted(deviceId, operational cert, hub CA)
 * device checks the hub CA against the pin from the QR code, and that the certificate is its own
 * </pre>
 *
 * The setup code never leaves the device in any form: the device holds only its verifier, and SRP lets
 * both sides prove knowledge without giving an eavesdropper or a fake hub anything to guess offline.
 * Anything unexpected ends the attempt; nothing about the owner changes until every check passed.
 */
public final class ClaimConversation {
    public static final String AGENT = "doorward-device/0.1";
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Where the attempt stands. Every state but IN_PROGRESS is final. */
    public enum Status {
        IN_PROGRESS,
        /** Every check passed: {@link Step#ownership()} is the record to store. */
        CLAIMED,
        /** The hub does not know this device's setup code: counts against the pairing window. */
        WRONG_CODE,
        /** The hub refused (ticket unknown, used or expired...). */
        REFUSED,
        /** A protocol violation, a result that failed the device's checks, or a timeout. */
        FAILED
    }

    /** What to send now, and where the attempt stands afterwards. */
    public record Step(List<FromDevice> send, Status status, Optional<Ownership> ownership, String reason) {
        public Step {
            send = List.copyOf(send);
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(ownership, "ownership");
        }

        public boolean finished() {
            return status != Status.IN_PROGRESS;
        }
    }

    private enum Phase {
        NEW,
        AWAIT_WELCOME,
        AWAIT_CHALLENGE,
        AWAIT_ACCEPTED,
        DONE
    }

    private final ClaimCode code;
    private final DeviceIdentity identity;
    private final Clock clock;
    private final SecureRandom random;
    private Phase phase = Phase.NEW;
    private Status status = Status.IN_PROGRESS;
    private Instant deadline;
    private SetupProof.DeviceSide proof;

    public ClaimConversation(ClaimCode code, DeviceIdentity identity, Clock clock, SecureRandom random) {
        this.code = Objects.requireNonNull(code, "code");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    public ClaimCode code() {
        return code;
    }

    public Status status() {
        return status;
    }

    /** The first message, once the TLS connection (pinned to the code's CA) is up. */
    public FromDevice start() {
        if (phase != Phase.NEW) {
            throw new IllegalStateException("the conversation has started");
        }
        phase = Phase.AWAIT_WELCOME;
        deadline = clock.instant().plus(TIMEOUT);
        return new Hello(List.of(Limits.PROTOCOL_VERSION), AGENT, LinkMessage.Mode.CLAIM);
    }

    /** True once the attempt has run longer than {@link #TIMEOUT} on the device clock. */
    public boolean expired() {
        return deadline != null
                && status == Status.IN_PROGRESS
                && !clock.instant().isBefore(deadline);
    }

    /** The attempt took too long or the connection dropped: it ends without changing anything. */
    public Step abort(String reason) {
        return status == Status.IN_PROGRESS ? finish(Status.FAILED, reason) : stepFor(status, reason);
    }

    public Step receive(FromHub message) {
        Objects.requireNonNull(message, "message");
        if (status != Status.IN_PROGRESS || phase == Phase.NEW) {
            return stepFor(status == Status.IN_PROGRESS ? Status.FAILED : status, "conversation not running");
        }
        if (expired()) {
            return finish(Status.FAILED, "timed out");
        }
        if (message instanceof LinkError error) {
            return finish(Status.FAILED, "hub reported " + error.code().wireName());
        }
        return switch (phase) {
            case AWAIT_WELCOME -> onWelcome(message);
            case AWAIT_CHALLENGE -> onChallenge(message);
            case AWAIT_ACCEPTED -> onAccepted(message);
            case NEW, DONE -> finish(Status.FAILED, "conversation not running");
        };
    }

    private Step onWelcome(FromHub message) {
        if (!(message instanceof Welcome welcome) || welcome.version() != Limits.PROTOCOL_VERSION) {
            return unexpected();
        }
        // The ticket binds the proof to this one claim: evidence from another attempt does not verify.
        byte[] context = code.ticket().getBytes(StandardCharsets.UTF_8);
        proof = new SetupProof.DeviceSide(identity.setupVerifier(), identity.serial(), context, random);
        phase = Phase.AWAIT_CHALLENGE;
        return send(ClaimRequest.of(code.ticket(), proof.salt(), proof.publicValue()));
    }

    private Step onChallenge(FromHub message) {
        if (message instanceof ClaimRefused refused) {
            return finish(Status.REFUSED, "hub refused: " + refused.reason().wireName());
        }
        if (!(message instanceof ClaimChallenge challenge)) {
            return unexpected();
        }
        Optional<byte[]> deviceEvidence;
        try {
            deviceEvidence = proof.verifyHub(challenge.hubPublicValueBytes(), challenge.hubEvidenceBytes());
        } catch (IllegalArgumentException e) {
            // A malformed public value (e.g. A = 0 mod N) is an attack, not a typo.
            return finish(Status.FAILED, "bad challenge", new LinkError(ErrorCode.INVALID_FIELD, "bad challenge"));
        }
        if (deviceEvidence.isEmpty()) {
            return finish(Status.WRONG_CODE, "wrong setup code", new ClaimRefused(ClaimRefusal.WRONG_CODE));
        }
        phase = Phase.AWAIT_ACCEPTED;
        return send(ClaimConfirm.of(deviceEvidence.get()));
    }

    private Step onAccepted(FromHub message) {
        if (message instanceof ClaimRefused refused) {
            return finish(Status.REFUSED, "hub refused: " + refused.reason().wireName());
        }
        if (!(message instanceof ClaimAccepted accepted)) {
            return unexpected();
        }
        Optional<String> problem = check(accepted);
        if (problem.isPresent()) {
            return finish(
                    Status.FAILED,
                    problem.get(),
                    new LinkError(ErrorCode.INVALID_FIELD, "claim result refused: " + problem.get()));
        }
        Ownership ownership = Ownership.owned(
                accepted.deviceId(),
                code.hubUrl(),
                Pem.parseCertificate(accepted.hubCaCertificatePem()),
                Pem.parseCertificate(accepted.operationalCertificatePem()),
                code.ownerKeyFingerprint(),
                clock.instant());
        phase = Phase.DONE;
        status = Status.CLAIMED;
        return new Step(List.of(), Status.CLAIMED, Optional.of(ownership), "claimed");
    }

    /** Everything the device must see before it gives itself to this hub. */
    private Optional<String> check(ClaimAccepted accepted) {
        X509Certificate hubCa;
        X509Certificate operational;
        try {
            hubCa = Pem.parseCertificate(accepted.hubCaCertificatePem());
            operational = Pem.parseCertificate(accepted.operationalCertificatePem());
        } catch (RuntimeException e) {
            return Optional.of("unreadable certificate");
        }
        Instant now = clock.instant();
        if (!Fingerprints.of(hubCa).equals(code.caFingerprint())) {
            // The hub we are talking to is pinned, but the CA it hands over must be that very pin too.
            return Optional.of("hub CA does not match the claim code");
        }
        if (Certificates.kind(hubCa) != CertificateKind.HUB_CA) {
            return Optional.of("hub CA is not a hub CA");
        }
        if (!Arrays.equals(
                operational.getPublicKey().getEncoded(),
                identity.credential().certificate().getPublicKey().getEncoded())) {
            return Optional.of("operational certificate is for another key");
        }
        if (!Certificates.commonName(operational).equals(Optional.of(accepted.deviceId()))) {
            return Optional.of("operational certificate names another device");
        }
        if (Certificates.kind(operational) != CertificateKind.OPERATIONAL) {
            return Optional.of("operational certificate is not an operational certificate");
        }
        if (!Certificates.isIssuedBy(operational, hubCa)) {
            return Optional.of("operational certificate is not issued by the hub CA");
        }
        if (!Certificates.isValidAt(operational, now) || !Certificates.isValidAt(hubCa, now)) {
            return Optional.of("certificate not valid now");
        }
        return Optional.empty();
    }

    private Step unexpected() {
        return finish(Status.FAILED, "unexpected message", new LinkError(ErrorCode.NOT_ALLOWED, "unexpected message"));
    }

    private Step send(FromDevice message) {
        return new Step(List.of(message), Status.IN_PROGRESS, Optional.empty(), "");
    }

    private Step finish(Status end, String reason, FromDevice... last) {
        phase = Phase.DONE;
        status = end;
        return new Step(List.of(last), end, Optional.empty(), reason);
    }

    private static Step stepFor(Status status, String reason) {
        return new Step(List.of(), status, Optional.empty(), reason);
    }
}
