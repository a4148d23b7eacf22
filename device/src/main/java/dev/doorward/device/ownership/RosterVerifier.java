package dev.doorward.device.ownership;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.Roster;
import dev.doorward.protocol.Roster.Member;
import dev.doorward.protocol.Roster.Role;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether the device accepts a new household roster (DESIGN §3 "Roster", §8). The hub carries rosters
 * but cannot make one the device accepts: every roster is signed by a member client's browser key, and the
 * chain of rosters goes back to the owner key the device pinned from the claim QR code.
 *
 * <p>Rules, all of which must hold:
 *
 * <ol>
 *   <li>The new text parses strictly as a {@link Roster} (which also guarantees exactly one OWNER, who never
 *       expires, sorted unique client ids and unique signing key fingerprints).
 *   <li>Every member's signing key hashes (base64url SHA-256 of the SPKI) to the fingerprint listed for it, and
 *       both of its keys are valid P-256 public keys: a hub cannot list a key of its own under someone else's
 *       fingerprint.
 *   <li><b>No current roster</b> (the first one after a claim): the signer's key fingerprint equals the pinned
 *       fingerprint (the key of the browser that showed the claim QR code to the camera), the roster lists that
 *       key as OWNER or ADMIN, and it was issued no earlier than {@code notIssuedBefore} (shortly before the
 *       claim), so the hub cannot hand a new doorbell an older roster of the same browser with members removed
 *       since. Its epoch may continue the household's existing chain: a doorbell claimed into a household that
 *       already has members joins its roster.
 *   <li><b>A current roster</b> (which must come from the device's own storage, never from the hub): its OWNER
 *       is the pinned owner key; the new roster is for the same household, its epoch is exactly one more, and
 *       its previous hash is base64url SHA-256 of the current text's UTF-8 bytes. The signer is a member of the
 *       <em>current</em> roster — found by the fingerprint of the presented key, whose listed key hashes to
 *       that fingerprint and equals the presented key — with role OWNER or ADMIN and not expired at
 *       {@code now} (a member with {@code validUntil} is valid strictly before it).
 *   <li><b>Owner protection</b>: if the new roster's OWNER line differs in any way from the current one
 *       (another client, another key, or the owner demoted or removed), the signer must be the current OWNER.
 *       An admin can change everyone else, never the owner. The owner may hand ownership over, but a roster
 *       always has exactly one OWNER.
 *   <li>The signature (ECDSA P-256, P1363, as WebCrypto signs) over the new text's UTF-8 bytes verifies with
 *       the presented signer key.
 * </ol>
 *
 * <p>After accepting, the caller stores the new text as the current roster and re-pins the owner fingerprint to
 * {@link Accepted#ownerFingerprint()} — it changes only on a handover signed by the previous owner. The
 * verifier never throws for anything the hub sends; reasons never contain key material.
 */
public final class RosterVerifier {

    private RosterVerifier() {}

    /** The outcome: {@link Accepted} with the parsed roster, or {@link Refused} with why. */
    public sealed interface Result permits Accepted, Refused {
        default boolean isAccepted() {
            return this instanceof Accepted;
        }

        default Optional<Roster> roster() {
            return this instanceof Accepted accepted ? Optional.of(accepted.acceptedRoster()) : Optional.empty();
        }

        default Optional<String> problem() {
            return this instanceof Refused refused ? Optional.of(refused.reason()) : Optional.empty();
        }
    }

    public record Accepted(Roster acceptedRoster) implements Result {
        /** The owner fingerprint the device pins from now on. */
        public String ownerFingerprint() {
            return acceptedRoster.owner().signingKeyFingerprint();
        }
    }

    public record Refused(String reason) implements Result {}

    private static Result refused(String reason) {
        return new Refused(reason);
    }

    /**
     * @param newText the proposed roster text, as the signer signed it
     * @param signature the signer's P1363 signature over {@code newText}'s UTF-8 bytes
     * @param signerPublicKey the signer's SubjectPublicKeyInfo
     * @param currentText the roster the device holds now (from its own storage), empty right after a claim
     * @param pinnedOwnerFingerprint the key fingerprint pinned at claim, or the current roster's owner
     * @param notIssuedBefore the first roster must have been issued at or after this (claim time less clock skew)
     * @param now for membership expiry
     */
    public static Result verify(
            String newText,
            byte[] signature,
            byte[] signerPublicKey,
            Optional<String> currentText,
            String pinnedOwnerFingerprint,
            Instant notIssuedBefore,
            Instant now) {
        if (newText == null
                || signature == null
                || signerPublicKey == null
                || currentText == null
                || notIssuedBefore == null
                || now == null) {
            return refused("missing input");
        }
        if (!Fingerprints.isWellFormed(pinnedOwnerFingerprint)) {
            return refused("no owner key is pinned");
        }
        try {
            return check(
                    newText, signature, signerPublicKey, currentText, pinnedOwnerFingerprint, notIssuedBefore, now);
        } catch (IllegalArgumentException e) {
            // Belt and braces: every input is checked above and below, but nothing from the hub may throw.
            return refused("malformed");
        }
    }

    private static Result check(
            String newText,
            byte[] signature,
            byte[] signerPublicKey,
            Optional<String> currentText,
            String pinnedOwnerFingerprint,
            Instant notIssuedBefore,
            Instant now) {
        Roster proposed;
        try {
            proposed = Roster.parse(newText);
        } catch (IllegalArgumentException e) {
            // Roster's messages name the line and the problem, never the content.
            return refused("malformed roster: " + e.getMessage());
        }
        String signerFingerprint = Fingerprints.ofSubjectPublicKeyInfo(signerPublicKey);

        Optional<String> badMember = memberKeyProblem(proposed);
        if (badMember.isPresent()) {
            return refused(badMember.get());
        }

        if (currentText.isEmpty()) {
            if (!Hashes.constantTimeEquals(signerFingerprint, pinnedOwnerFingerprint)) {
                return refused("the first roster is not signed by the pinned owner key");
            }
            Optional<Member> signer = proposed.memberWithFingerprint(signerFingerprint);
            if (signer.isEmpty()
                    || !Hashes.constantTimeEquals(signer.get().signingKeyBytes(), signerPublicKey)
                    || (signer.get().role() != Role.OWNER && signer.get().role() != Role.ADMIN)) {
                return refused("the first roster does not list the pinned owner key as owner or admin");
            }
            if (proposed.issuedAt() < notIssuedBefore.toEpochMilli()) {
                return refused("the first roster was issued before the claim");
            }
        } else {
            Roster current;
            try {
                current = Roster.parse(currentText.get());
            } catch (IllegalArgumentException e) {
                return refused("the current roster is unreadable");
            }
            if (!Hashes.constantTimeEquals(current.owner().signingKeyFingerprint(), pinnedOwnerFingerprint)) {
                return refused("the current roster does not belong to the pinned owner");
            }
            if (!proposed.householdId().equals(current.householdId())) {
                return refused("roster is for another household");
            }
            if (proposed.epoch() - 1 != current.epoch()) {
                return refused("roster epoch is not the next one");
            }
            String expectedPrevious = Hashes.sha256Base64Url(currentText.get().getBytes(StandardCharsets.UTF_8));
            if (!Hashes.constantTimeEquals(proposed.previousHash(), expectedPrevious)) {
                return refused("roster does not follow the current roster");
            }
            Optional<Member> found = current.memberWithFingerprint(signerFingerprint);
            if (found.isEmpty()) {
                return refused("signer is not a member of the current roster");
            }
            Member signer = found.get();
            if (signer.role() != Role.OWNER && signer.role() != Role.ADMIN) {
                return refused("signer may not change the roster");
            }
            if (signer.validUntil().isPresent()
                    && now.toEpochMilli() >= signer.validUntil().get()) {
                return refused("signer's membership has expired");
            }
            byte[] listedKey = signer.signingKeyBytes();
            if (!Hashes.constantTimeEquals(
                            Fingerprints.ofSubjectPublicKeyInfo(listedKey), signer.signingKeyFingerprint())
                    || !Hashes.constantTimeEquals(listedKey, signerPublicKey)) {
                return refused("signer's key does not match the current roster");
            }
            if (!proposed.owner().equals(current.owner()) && signer.role() != Role.OWNER) {
                return refused("only the owner can change or hand over ownership");
            }
        }

        if (!Signatures.verify(signerPublicKey, newText.getBytes(StandardCharsets.UTF_8), signature)) {
            return refused("bad signature");
        }
        return new Accepted(proposed);
    }

    /** Every member's signing key must hash to its fingerprint, and both keys must be P-256 keys. */
    private static Optional<String> memberKeyProblem(Roster roster) {
        for (int i = 0; i < roster.members().size(); i++) {
            Member member = roster.members().get(i);
            String which = "member " + (i + 1) + " (" + member.clientId() + ")";
            byte[] signingKey = member.signingKeyBytes();
            if (!Hashes.constantTimeEquals(
                    Fingerprints.ofSubjectPublicKeyInfo(signingKey), member.signingKeyFingerprint())) {
                return Optional.of(which + ": signing key does not match its fingerprint");
            }
            try {
                KeyPairs.parseP256PublicKey(signingKey);
                KeyPairs.parseP256PublicKey(member.agreementKeyBytes());
            } catch (IllegalArgumentException e) {
                return Optional.of(which + ": a key is not a P-256 public key");
            }
        }
        return Optional.empty();
    }
}
