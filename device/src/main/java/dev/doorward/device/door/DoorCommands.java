package dev.doorward.device.door;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, on the doorbell, whether a door release is genuine (DESIGN §8). A member's browser signs
 * {@code doorward-door:1:<deviceId>:open:<nonce>:<epoch millis>} with its own key; the nonce is one this
 * device issued moments ago and is spent by the release; the signer must be in the roster the device holds,
 * unexpired. The hub carries the request but has no member key, so it cannot open the door, and a recorded
 * request cannot be played again.
 */
public final class DoorCommands {
    static final String PREFIX = "doorward-door:1:";
    /** A nonce must be used this soon after it was issued. */
    public static final Duration NONCE_LIFETIME = Duration.ofSeconds(60);
    /** Browser and doorbell clocks may differ this much. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    /** Nonces kept at once; the oldest go first, so a flood of requests cannot grow memory. */
    static final int MAX_NONCES = 32;

    private final String deviceId;
    private final Clock clock;
    private final SecureRandom random;
    private final DoorRelay relay;
    private final Map<String, Instant> nonces = new LinkedHashMap<>();

    public DoorCommands(String deviceId, Clock clock, SecureRandom random, DoorRelay relay) {
        this.deviceId = deviceId;
        this.clock = clock;
        this.random = random;
        this.relay = relay;
    }

    /** The statement a member's browser signs. */
    public static String statement(String deviceId, String nonce, Instant issuedAt) {
        return PREFIX + deviceId + ":open:" + nonce + ":" + issuedAt.toEpochMilli();
    }

    /** A fresh single-use nonce. */
    public synchronized String issueNonce() {
        Instant now = clock.instant();
        nonces.values().removeIf(issued -> issued.plus(NONCE_LIFETIME).isBefore(now));
        while (nonces.size() >= MAX_NONCES) {
            Iterator<String> oldest = nonces.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        String nonce = RandomIds.newId(random);
        nonces.put(nonce, now);
        return nonce;
    }

    /** What came of a request: the door opened for a member's browser, or why not. */
    public record Outcome(boolean opened, String clientId, String reason) {
        static Outcome refused(String reason) {
            return new Outcome(false, null, reason);
        }
    }

    /** Checks a signed request against the roster the device holds and opens the door if it is genuine. */
    public synchronized Outcome open(
            String statement, byte[] signature, byte[] signerPublicKey, Optional<Roster> roster) {
        Instant now = clock.instant();
        if (statement == null || !statement.startsWith(PREFIX)) {
            return Outcome.refused("not a door statement");
        }
        String[] parts = statement.substring(PREFIX.length()).split(":", -1);
        if (parts.length != 4 || !"open".equals(parts[1])) {
            return Outcome.refused("malformed statement");
        }
        if (!parts[0].equals(deviceId)) {
            return Outcome.refused("for another doorbell");
        }
        Instant issuedAt;
        try {
            issuedAt = Instant.ofEpochMilli(Long.parseLong(parts[3]));
        } catch (NumberFormatException e) {
            return Outcome.refused("malformed statement");
        }
        if (issuedAt.isBefore(now.minus(CLOCK_SKEW)) || issuedAt.isAfter(now.plus(CLOCK_SKEW))) {
            return Outcome.refused("stale or future request");
        }
        Instant nonceIssued = nonces.get(parts[2]);
        if (nonceIssued == null || nonceIssued.plus(NONCE_LIFETIME).isBefore(now)) {
            return Outcome.refused("nonce unknown, used or expired");
        }
        if (roster.isEmpty()) {
            return Outcome.refused("no roster yet");
        }
        String fingerprint;
        try {
            fingerprint = Fingerprints.ofSubjectPublicKeyInfo(signerPublicKey);
        } catch (IllegalArgumentException e) {
            return Outcome.refused("malformed key");
        }
        Optional<Roster.Member> member = roster.get().memberWithFingerprint(fingerprint);
        if (member.isEmpty() || !Hashes.constantTimeEquals(member.get().signingKeyBytes(), signerPublicKey)) {
            return Outcome.refused("signer is not in the roster");
        }
        if (member.get().validUntil().isPresent()
                && now.toEpochMilli() >= member.get().validUntil().get()) {
            return Outcome.refused("signer's membership has expired");
        }
        Optional<Roster.Access> access = roster.get().accessOf(member.get().clientId());
        if (access.isPresent() && !access.get().allowsDevice(deviceId)) {
            return Outcome.refused("signer has no access to this doorbell");
        }
        if (access.isPresent() && !access.get().allows(deviceId, now.toEpochMilli())) {
            return Outcome.refused("outside the signer's schedule");
        }
        if (!Signatures.verify(signerPublicKey, statement.getBytes(StandardCharsets.UTF_8), signature)) {
            return Outcome.refused("bad signature");
        }
        // Spent only by a genuine request: a forged one cannot burn a member's nonce.
        nonces.remove(parts[2]);
        relay.release();
        return new Outcome(true, member.get().clientId(), "opened");
    }
}
