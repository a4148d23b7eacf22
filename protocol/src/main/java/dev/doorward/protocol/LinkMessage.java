package dev.doorward.protocol;

import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Every message on the device link. A device sends {@link FromDevice} messages, the hub sends {@link
 * FromHub} messages; {@link ClaimRefused} and {@link LinkError} go both ways. Binary values (SRP numbers,
 * evidence) travel as base64url text; the records keep that text so they compare by value.
 *
 * <p>See docs/protocol.md for the conversation each message belongs to.
 */
public sealed interface LinkMessage {

    /** A message a device may send. */
    sealed interface FromDevice extends LinkMessage {}

    /** A message the hub may send. */
    sealed interface FromHub extends LinkMessage {}

    /** The wire name of this message's type. */
    default String type() {
        return MessageType.of(this).wireName();
    }

    /** How a device connects: as an owned device, or to be claimed with its factory certificate. */
    enum Mode {
        NORMAL,
        CLAIM;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a claim did not happen. */
    enum ClaimRefusal {
        /** The setup code the user typed does not match this device. */
        WRONG_CODE,
        /** The ticket is unknown, used or expired. */
        TICKET_INVALID,
        /** The device already has an owner; claims are refused whoever presents them. */
        ALREADY_OWNED,
        /** Too many wrong setup codes: the pairing window is closed until a new physical action. */
        TOO_MANY_ATTEMPTS,
        /** The pairing window is not open. */
        NOT_PAIRING;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    // ---- device → hub

    /** First message on every connection: which protocol versions the device speaks and why it connects. */
    record Hello(List<Integer> versions, String agent, Mode mode) implements FromDevice {
        public Hello {
            versions = List.copyOf(versions);
        }
    }

    /** Keeps the connection known to be alive; the hub answers with {@link HeartbeatAck}. */
    record Heartbeat(long sequence) implements FromDevice {}

    /**
     * Starts a claim: the ticket the device read from the owner's QR code, the SRP salt and the device's
     * public value B. Only on a {@link Mode#CLAIM} connection.
     */
    record ClaimRequest(String ticket, String salt, String devicePublicValue) implements FromDevice {
        public static ClaimRequest of(String ticket, byte[] salt, byte[] devicePublicValue) {
            return new ClaimRequest(ticket, Binary.encode(salt), Binary.encode(devicePublicValue));
        }

        public byte[] saltBytes() {
            return Binary.decode(salt);
        }

        public byte[] devicePublicValueBytes() {
            return Binary.decode(devicePublicValue);
        }
    }

    /** The device's proof (SRP M2) that it holds the verifier of the setup code the user typed. */
    record ClaimConfirm(String deviceEvidence) implements FromDevice {
        public static ClaimConfirm of(byte[] evidence) {
            return new ClaimConfirm(Binary.encode(evidence));
        }

        public byte[] deviceEvidenceBytes() {
            return Binary.decode(deviceEvidence);
        }
    }

    /**
     * Something happened at the door. Delivered at least once: the device keeps it in its outbox until the
     * hub sends {@link EventAck}; the hub recognises repeats by {@code eventId}.
     *
     * @param occurredAt milliseconds since the epoch, device clock
     * @param detail optional short text (at most {@value Limits#MAX_DETAIL_CHARS} characters), never
     *     network details
     */
    record DeviceEvent(String eventId, EventKind kind, long occurredAt, String detail) implements FromDevice {}

    /**
     * Asks for a fresh operational certificate for the same key; operational certificates are short-lived so
     * that one the device no longer holds stops working by itself.
     */
    record RenewCertificate() implements FromDevice {}

    /**
     * The roster epoch the device holds (0 for none). Sent after every {@link Welcome} and after each roster
     * it accepts, so the hub knows which rosters to deliver next.
     */
    record RosterStatus(long epoch) implements FromDevice {}

    /** The device refused a roster the hub delivered; the household's admins are told. */
    record RosterRefused(long epoch, String reason) implements FromDevice {}

    /**
     * The device's media epoch key wrapped to one member client (docs/media.md). The hub stores the latest per
     * (device, client) and hands it only to that client; it cannot open it.
     */
    record MediaKey(long epoch, String clientId, int slot, String ephemeralKey, String nonce, String wrapped)
            implements FromDevice {
        public static MediaKey of(
                long epoch, String clientId, int slot, byte[] ephemeralKey, byte[] nonce, byte[] wrapped) {
            return new MediaKey(
                    epoch, clientId, slot, Binary.encode(ephemeralKey), Binary.encode(nonce), Binary.encode(wrapped));
        }
    }

    /** A fresh single-use nonce for a door release, answering {@link DoorNonceRequest}. */
    record DoorNonce(String requestId, String nonce) implements FromDevice {}

    /** Whether the door opened for {@link DoorOpen}; {@code reason} says why not (never key material). */
    record DoorResult(String requestId, boolean opened, String reason) implements FromDevice {}

    /** What an event's sealed media object is. */
    enum EventMediaKind {
        SNAPSHOT,
        CLIP;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The largest sealed object of this kind the hub accepts. */
        public int maxBytes() {
            return this == SNAPSHOT ? 2 * 1024 * 1024 : 8 * 1024 * 1024;
        }
    }

    /**
     * A sealed snapshot or clip of an event follows, as {@code bytes} bytes of binary parts of kind
     * {@code EVENT_MEDIA} (docs/media.md "Event media"). The hub answers {@link MediaStored}.
     */
    record MediaUpload(String eventId, EventMediaKind kind, int bytes) implements FromDevice {}

    // ---- hub → device

    /** The hub accepts the connection and chooses the protocol version. */
    record Welcome(int version, String deviceId, int heartbeatSeconds) implements FromHub {}

    record HeartbeatAck(long sequence) implements FromHub {}

    /** The hub's SRP public value A and its evidence M1 that it knows the setup code. */
    record ClaimChallenge(String hubPublicValue, String hubEvidence) implements FromHub {
        public static ClaimChallenge of(byte[] hubPublicValue, byte[] hubEvidence) {
            return new ClaimChallenge(Binary.encode(hubPublicValue), Binary.encode(hubEvidence));
        }

        public byte[] hubPublicValueBytes() {
            return Binary.decode(hubPublicValue);
        }

        public byte[] hubEvidenceBytes() {
            return Binary.decode(hubEvidence);
        }
    }

    /**
     * The claim succeeded: the device's new id, its operational certificate and the hub CA certificate (which
     * the device checks against the fingerprint it read from the QR code).
     */
    record ClaimAccepted(String deviceId, String operationalCertificatePem, String hubCaCertificatePem)
            implements FromHub {}

    /** The renewed operational certificate; the previous one stays valid until this one is first used. */
    record CertificateRenewed(String operationalCertificatePem) implements FromHub {}

    /**
     * The owner vetoed a pending physical reset. Only ever keeps the device owned, so it needs no more than
     * the hub's word; what would release a device needs the owner's own signature.
     */
    record ResetVeto() implements FromHub {}

    /**
     * The owner releases the device. {@code statement} is {@code doorward-release:1:<deviceId>:<epoch millis>},
     * signed (ECDSA P-256, SHA-256, IEEE P1363 r‖s as WebCrypto makes it) by the browser key whose
     * fingerprint the device pinned at claim time; the hub only carries it and cannot make one.
     */
    record Release(String statement, String signature, String signerPublicKey) implements FromHub {
        public static Release of(String statement, byte[] signature, byte[] signerPublicKey) {
            return new Release(statement, Binary.encode(signature), Binary.encode(signerPublicKey));
        }

        public byte[] signatureBytes() {
            return Binary.decode(signature);
        }

        public byte[] signerPublicKeyBytes() {
            return Binary.decode(signerPublicKey);
        }
    }

    /**
     * The owner sets the physical-reset cooling-off period. {@code statement} is
     * {@code doorward-cooling-off:1:<deviceId>:<epoch millis>:<seconds>}, signed like a {@link Release}: a
     * compromised hub cannot shorten the period a thief has to wait.
     */
    record SetCoolingOff(String statement, String signature, String signerPublicKey) implements FromHub {
        public byte[] signatureBytes() {
            return Binary.decode(signature);
        }

        public byte[] signerPublicKeyBytes() {
            return Binary.decode(signerPublicKey);
        }
    }

    /**
     * The owner sets motion detection on or off and the zones where motion counts. {@code statement} is
     * {@code doorward-motion:1:<deviceId>:<epoch millis>:<setting>} ({@link MotionSetting#format()}), signed
     * like a {@link Release}: the hub can neither switch motion off nor move the zones.
     */
    record SetMotion(String statement, String signature, String signerPublicKey) implements FromHub {
        public byte[] signatureBytes() {
            return Binary.decode(signature);
        }

        public byte[] signerPublicKeyBytes() {
            return Binary.decode(signerPublicKey);
        }
    }

    /**
     * A household roster (see {@link Roster}) with its signer's P1363 signature over the text and the signer's
     * public key (SPKI). The device verifies it back to its pinned owner key; the hub only carries it.
     */
    record RosterUpdate(String text, String signature, String signerPublicKey) implements FromHub {
        public byte[] signatureBytes() {
            return Binary.decode(signature);
        }

        public byte[] signerPublicKeyBytes() {
            return Binary.decode(signerPublicKey);
        }
    }

    /** A member wants to open the door: the device answers with a fresh nonce ({@link DoorNonce}). */
    record DoorNonceRequest(String requestId) implements FromHub {}

    /**
     * Open the door. {@code statement} is {@code doorward-door:1:<deviceId>:open:<nonce>:<epoch millis>}, signed
     * like a {@link Release} by a member's browser key; the device checks it against its roster, the member's
     * role and validity, and the nonce it issued, so the hub alone can never open the door.
     */
    record DoorOpen(String requestId, String statement, String signature, String signerPublicKey) implements FromHub {
        public byte[] signatureBytes() {
            return Binary.decode(signature);
        }

        public byte[] signerPublicKeyBytes() {
            return Binary.decode(signerPublicKey);
        }
    }

    /** How many authorized viewers watch this device now; it streams while this is above 0. */
    record Live(int viewers) implements FromHub {}

    /**
     * A member silenced the doorbell's chime for {@code seconds} from now (0: ring again now). The doorbell counts
     * the time itself, so a lost message never leaves the chime silent for good.
     */
    record ChimeSilence(int seconds) implements FromHub {
        public ChimeSilence {
            if (seconds < 0 || seconds > Limits.MAX_CHIME_SILENCE_SECONDS) {
                throw new IllegalArgumentException("chime silence is 0.." + Limits.MAX_CHIME_SILENCE_SECONDS + " s");
            }
        }
    }

    /** The hub stored an event's sealed media durably; the device may forget its copy. */
    record MediaStored(String eventId, EventMediaKind kind) implements FromHub {}

    /** The hub stored the event durably; the device may drop it from its outbox. */
    record EventAck(String eventId) implements FromHub {}

    // ---- both ways

    record ClaimRefused(ClaimRefusal reason) implements FromDevice, FromHub {}

    /**
     * The peer's last message was refused. The connection stays open unless the sender closes it.
     *
     * @param eventId the event (or the event media upload) refused, when the refusal is about one; lets the
     *     doorbell act on exactly that event (drop it, retry it) instead of guessing
     * @param retryAfterMillis with {@link ErrorCode#RATE_LIMITED}: how long to wait before sending it again;
     *     0 when not said
     */
    record LinkError(ErrorCode code, String message, String eventId, long retryAfterMillis)
            implements FromDevice, FromHub {
        public LinkError(ErrorCode code, String message) {
            this(code, message, null, 0);
        }

        public LinkError {
            if (retryAfterMillis < 0 || retryAfterMillis > Limits.MAX_RETRY_AFTER_MILLIS) {
                throw new IllegalArgumentException("retryAfterMillis out of range");
            }
        }

        /** The refusal of one event or upload. */
        public static LinkError about(String eventId, ErrorCode code, String message) {
            return new LinkError(code, message, eventId, 0);
        }

        /** An event or upload refused for now: send it again after {@code retryAfterMillis}. */
        public static LinkError rateLimited(String eventId, long retryAfterMillis) {
            return new LinkError(
                    ErrorCode.RATE_LIMITED,
                    "slow down",
                    eventId,
                    Math.max(1, Math.min(Limits.MAX_RETRY_AFTER_MILLIS, retryAfterMillis)));
        }
    }

    /** Base64url without padding, the one binary encoding on the wire. */
    final class Binary {
        private Binary() {}

        public static String encode(byte[] bytes) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        /** Decodes a value the codec already validated. */
        public static byte[] decode(String text) {
            return Base64.getUrlDecoder().decode(text);
        }
    }
}
