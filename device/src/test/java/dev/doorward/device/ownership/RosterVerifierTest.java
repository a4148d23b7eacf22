package dev.doorward.device.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.ownership.RosterVerifier.Accepted;
import dev.doorward.device.ownership.RosterVerifier.Result;
import dev.doorward.protocol.Roster;
import dev.doorward.protocol.Roster.Member;
import dev.doorward.protocol.Roster.Role;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The device accepts exactly the rosters that chain back to the pinned owner key, with real P-256 keys. */
class RosterVerifierTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Instant CLAIMED = NOW.minusSeconds(60);
    private static final String HOUSEHOLD = RandomIds.newId(RANDOM);

    /** A member's browser: its own signing and key-agreement key pairs. */
    private record Client(String id, KeyPair signing, KeyPair agreement) {
        static Client create() {
            return new Client(RandomIds.newId(RANDOM), KeyPairs.newP256(RANDOM), KeyPairs.newP256(RANDOM));
        }

        byte[] publicKey() {
            return signing.getPublic().getEncoded();
        }

        String fingerprint() {
            return Fingerprints.of(signing.getPublic());
        }

        Member as(Role role, Long validUntil) {
            return new Member(
                    id,
                    role,
                    fingerprint(),
                    b64(publicKey()),
                    b64(agreement.getPublic().getEncoded()),
                    validUntil);
        }

        Member as(Role role) {
            return as(role, null);
        }

        byte[] sign(String text) {
            return Signatures.sign(signing.getPrivate(), text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Client owner = Client.create();
    private final Client admin = Client.create();
    private final Client resident = Client.create();
    private final Client guest = Client.create();
    private final Client stranger = Client.create();

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Roster roster(String household, long epoch, String previousText, Member... members) {
        List<Member> sorted = new ArrayList<>(Arrays.asList(members));
        sorted.sort(Comparator.comparing(Member::clientId));
        String previous = previousText == null
                ? Roster.NO_PREVIOUS
                : Hashes.sha256Base64Url(previousText.getBytes(StandardCharsets.UTF_8));
        return new Roster(household, epoch, previous, NOW.toEpochMilli(), sorted);
    }

    private static Roster next(String currentText, Member... members) {
        Roster current = Roster.parse(currentText);
        return roster(current.householdId(), current.epoch() + 1, currentText, members);
    }

    private Result verify(String text, Client signer, Optional<String> current) {
        return RosterVerifier.verify(
                text, signer.sign(text), signer.publicKey(), current, owner.fingerprint(), CLAIMED, NOW);
    }

    private String first() {
        return roster(HOUSEHOLD, 1, null, owner.as(Role.OWNER)).text();
    }

    private static void assertRefused(Result result, String reasonPart) {
        assertThat(result.isAccepted())
                .as("accepted, expected refusal: %s", reasonPart)
                .isFalse();
        assertThat(result.problem()).hasValueSatisfying(p -> assertThat(p).contains(reasonPart));
    }

    private static void assertAccepted(Result result) {
        assertThat(result.problem()).isEmpty();
        assertThat(result.isAccepted()).isTrue();
    }

    // ---- the first roster

    @Test
    void theFirstRosterSignedByThePinnedOwnerIsAccepted() {
        String text = first();
        Result result = verify(text, owner, Optional.empty());

        assertAccepted(result);
        assertThat(result.roster()).contains(Roster.parse(text));
        assertThat(((Accepted) result).ownerFingerprint()).isEqualTo(owner.fingerprint());
    }

    @Test
    void theFirstRosterSignedByAnyOtherKeyIsRefused() {
        // The hub's own key, naming itself owner: well-formed and correctly signed, but not the pinned key.
        String text = roster(HOUSEHOLD, 1, null, stranger.as(Role.OWNER)).text();
        assertRefused(verify(text, stranger, Optional.empty()), "not signed by the pinned owner key");

        // The owner's roster, but signed by someone else.
        assertRefused(verify(first(), stranger, Optional.empty()), "not signed by the pinned owner key");
    }

    @Test
    void theFirstRosterMustListThePinnedKeyAsOwnerOrAdmin() {
        String resident = roster(HOUSEHOLD, 1, null, owner.as(Role.RESIDENT), stranger.as(Role.OWNER))
                .text();
        assertRefused(verify(resident, owner, Optional.empty()), "as owner or admin");
        String absent = roster(HOUSEHOLD, 1, null, stranger.as(Role.OWNER)).text();
        assertRefused(verify(absent, owner, Optional.empty()), "as owner or admin");

        // An admin's browser claims a doorbell into a household whose owner is someone else.
        String admin = roster(HOUSEHOLD, 1, null, owner.as(Role.ADMIN), stranger.as(Role.OWNER))
                .text();
        Result accepted = verify(admin, owner, Optional.empty());
        assertAccepted(accepted);
        assertThat(((Accepted) accepted).ownerFingerprint()).isEqualTo(stranger.fingerprint());
    }

    @Test
    void theFirstRosterMayContinueTheHouseholdsChain() {
        String text = roster(HOUSEHOLD, 7, "the household's sixth roster", owner.as(Role.OWNER))
                .text();
        assertAccepted(verify(text, owner, Optional.empty()));
    }

    @Test
    void aFirstRosterIssuedBeforeTheClaimIsRefused() {
        // An older roster signed by the same browser may still list members removed since.
        String text = first();
        Result result = RosterVerifier.verify(
                text,
                owner.sign(text),
                owner.publicKey(),
                Optional.empty(),
                owner.fingerprint(),
                NOW.plusMillis(1),
                NOW);
        assertRefused(result, "issued before the claim");
    }

    @Test
    void withoutAPinnedOwnerKeyNothingIsAccepted() {
        String text = first();
        Result result =
                RosterVerifier.verify(text, owner.sign(text), owner.publicKey(), Optional.empty(), "-", CLAIMED, NOW);
        assertRefused(result, "no owner key is pinned");
    }

    // ---- the chain

    @Test
    void aChainOneTwoThreeIsAccepted() {
        String one = first();
        assertAccepted(verify(one, owner, Optional.empty()));

        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        assertAccepted(verify(two, owner, Optional.of(one)));

        String three = next(two, owner.as(Role.OWNER), admin.as(Role.ADMIN), resident.as(Role.RESIDENT))
                .text();
        Result result = verify(three, admin, Optional.of(two));
        assertAccepted(result);
        assertThat(result.roster().orElseThrow().members()).hasSize(3);
        assertThat(result.roster().orElseThrow().epoch()).isEqualTo(3);
    }

    @Test
    void aRosterSignedByAResidentIsRefused() {
        String two =
                next(first(), owner.as(Role.OWNER), resident.as(Role.RESIDENT)).text();
        String three = next(two, owner.as(Role.OWNER), resident.as(Role.RESIDENT), guest.as(Role.GUEST))
                .text();
        assertRefused(verify(three, resident, Optional.of(two)), "may not change the roster");

        String promoted =
                next(two, owner.as(Role.OWNER), resident.as(Role.ADMIN)).text();
        assertRefused(verify(promoted, resident, Optional.of(two)), "may not change the roster");
    }

    @Test
    void aRosterSignedByAGuestIsRefused() {
        String two = next(
                        first(),
                        owner.as(Role.OWNER),
                        guest.as(Role.GUEST, NOW.plusSeconds(3600).toEpochMilli()))
                .text();
        String three = next(two, owner.as(Role.OWNER), guest.as(Role.GUEST)).text();
        assertRefused(verify(three, guest, Optional.of(two)), "may not change the roster");
    }

    @Test
    void aRosterSignedByAMemberRemovedInTheCurrentRosterIsRefused() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        String three = next(two, owner.as(Role.OWNER)).text(); // admin removed
        assertAccepted(verify(three, owner, Optional.of(two)));

        String four = next(three, owner.as(Role.OWNER), admin.as(Role.ADMIN), stranger.as(Role.ADMIN))
                .text();
        assertRefused(verify(four, admin, Optional.of(three)), "not a member of the current roster");
    }

    @Test
    void aRosterSignedByAnExpiredAdminIsRefused() {
        long until = NOW.toEpochMilli();
        String two =
                next(first(), owner.as(Role.OWNER), admin.as(Role.ADMIN, until)).text();
        String three = next(two, owner.as(Role.OWNER), admin.as(Role.ADMIN, until), resident.as(Role.RESIDENT))
                .text();

        assertRefused(verify(three, admin, Optional.of(two)), "expired");
        Result justBefore = RosterVerifier.verify(
                three,
                admin.sign(three),
                admin.publicKey(),
                Optional.of(two),
                owner.fingerprint(),
                CLAIMED,
                NOW.minus(Duration.ofMillis(1)));
        assertAccepted(justBefore);
    }

    @Test
    void aMemberTheHubInjectedAfterSigningBreaksTheSignature() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        byte[] signature = owner.sign(two);

        // The hub adds its own client (with a genuine key and fingerprint) to the signed text.
        String injected = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN), stranger.as(Role.ADMIN))
                .text();
        Result result = RosterVerifier.verify(
                injected, signature, owner.publicKey(), Optional.of(one), owner.fingerprint(), CLAIMED, NOW);
        assertRefused(result, "bad signature");
    }

    @Test
    void aMemberWhoseKeyDoesNotHashToItsFingerprintIsRefused() {
        String one = first();
        // The admin's fingerprint, but the hub's key: a signed roster must not carry such a line.
        Member forged = new Member(
                admin.id(),
                Role.ADMIN,
                admin.fingerprint(),
                b64(stranger.publicKey()),
                b64(stranger.agreement().getPublic().getEncoded()),
                null);
        String two = next(one, owner.as(Role.OWNER), forged).text();
        assertRefused(verify(two, owner, Optional.of(one)), "does not match its fingerprint");
    }

    @Test
    void aMemberWhoseKeysAreNotP256KeysIsRefused() {
        String one = first();
        byte[] notAKey = new byte[91];
        RANDOM.nextBytes(notAKey);
        Member odd = new Member(
                resident.id(), Role.RESIDENT, resident.fingerprint(), b64(resident.publicKey()), b64(notAKey), null);
        String two = next(one, owner.as(Role.OWNER), odd).text();
        assertRefused(verify(two, owner, Optional.of(one)), "not a P-256 public key");
    }

    @Test
    void aSkippedOrRepeatedEpochIsRefused() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();

        String skipped = roster(HOUSEHOLD, 3, one, owner.as(Role.OWNER), admin.as(Role.ADMIN))
                .text();
        assertRefused(verify(skipped, owner, Optional.of(one)), "epoch");

        String repeated = roster(HOUSEHOLD, 2, two, owner.as(Role.OWNER)).text();
        assertRefused(verify(repeated, owner, Optional.of(two)), "epoch");

        // Replaying the current roster itself, or an older one.
        assertRefused(verify(two, owner, Optional.of(two)), "epoch");
        assertRefused(verify(one, owner, Optional.of(two)), "epoch");
    }

    @Test
    void aWrongPreviousHashIsRefused() {
        String one = first();
        String other = roster(HOUSEHOLD, 1, null, owner.as(Role.OWNER), guest.as(Role.GUEST, 1L))
                .text();
        String two = roster(HOUSEHOLD, 2, other, owner.as(Role.OWNER), admin.as(Role.ADMIN))
                .text();
        assertRefused(verify(two, owner, Optional.of(one)), "does not follow");
    }

    @Test
    void aRosterForAnotherHouseholdIsRefused() {
        String one = first();
        String two = roster(RandomIds.newId(RANDOM), 2, one, owner.as(Role.OWNER), admin.as(Role.ADMIN))
                .text();
        assertRefused(verify(two, owner, Optional.of(one)), "another household");
    }

    @Test
    void aTamperedSignatureIsRefused() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        byte[] signature = owner.sign(two);
        signature[10] ^= 0x01;
        assertRefused(
                RosterVerifier.verify(
                        two, signature, owner.publicKey(), Optional.of(one), owner.fingerprint(), CLAIMED, NOW),
                "bad signature");

        byte[] firstSignature = owner.sign(one);
        firstSignature[63] ^= 0x40;
        assertRefused(
                RosterVerifier.verify(
                        one, firstSignature, owner.publicKey(), Optional.empty(), owner.fingerprint(), CLAIMED, NOW),
                "bad signature");
    }

    @Test
    void malformedSignatureOrKeyBytesAreRefusedNeverThrown() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        byte[] good = owner.sign(two);
        byte[] derSignature = Arrays.copyOf(good, 72);
        byte[] garbageKey = new byte[91];
        RANDOM.nextBytes(garbageKey);
        byte[] truncatedKey = Arrays.copyOf(owner.publicKey(), 40);

        for (byte[] signature : List.of(new byte[0], new byte[64], Arrays.copyOf(good, 63), derSignature)) {
            assertRefused(
                    RosterVerifier.verify(
                            two, signature, owner.publicKey(), Optional.of(one), owner.fingerprint(), CLAIMED, NOW),
                    "");
        }
        for (byte[] key : List.of(
                new byte[0],
                garbageKey,
                truncatedKey,
                admin.agreement().getPublic().getEncoded())) {
            assertRefused(
                    RosterVerifier.verify(two, good, key, Optional.of(one), owner.fingerprint(), CLAIMED, NOW), "");
            assertRefused(
                    RosterVerifier.verify(
                            one, owner.sign(one), key, Optional.empty(), owner.fingerprint(), CLAIMED, NOW),
                    "");
        }
        assertRefused(
                RosterVerifier.verify(
                        two, null, owner.publicKey(), Optional.of(one), owner.fingerprint(), CLAIMED, NOW),
                "missing");
        assertRefused(
                RosterVerifier.verify(two, good, null, Optional.of(one), owner.fingerprint(), CLAIMED, NOW), "missing");
        assertRefused(
                RosterVerifier.verify(
                        null, good, owner.publicKey(), Optional.of(one), owner.fingerprint(), CLAIMED, NOW),
                "missing");
        assertRefused(
                RosterVerifier.verify(two, good, owner.publicKey(), null, owner.fingerprint(), CLAIMED, NOW),
                "missing");
        assertRefused(
                RosterVerifier.verify(two, good, owner.publicKey(), Optional.of(one), null, CLAIMED, NOW), "pinned");
        assertRefused(
                RosterVerifier.verify(
                        "garbage\n" + two,
                        good,
                        owner.publicKey(),
                        Optional.of(one),
                        owner.fingerprint(),
                        CLAIMED,
                        NOW),
                "malformed roster");
        assertRefused(
                RosterVerifier.verify(
                        two, good, owner.publicKey(), Optional.of("garbage"), owner.fingerprint(), CLAIMED, NOW),
                "current roster is unreadable");
    }

    // ---- owner protection

    @Test
    void anAdminCannotRemoveDemoteOrReplaceTheOwner() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();

        String usurped = next(two, owner.as(Role.ADMIN), admin.as(Role.OWNER)).text();
        assertRefused(verify(usurped, admin, Optional.of(two)), "only the owner");

        String removed = next(two, admin.as(Role.OWNER)).text();
        assertRefused(verify(removed, admin, Optional.of(two)), "only the owner");

        String newOwner = next(two, stranger.as(Role.OWNER), owner.as(Role.RESIDENT), admin.as(Role.ADMIN))
                .text();
        assertRefused(verify(newOwner, admin, Optional.of(two)), "only the owner");

        // Nor swap the owner's key-agreement key (which would let it read what is sealed for the owner).
        Member rekeyed = new Member(
                owner.id(),
                Role.OWNER,
                owner.fingerprint(),
                b64(owner.publicKey()),
                b64(stranger.agreement().getPublic().getEncoded()),
                null);
        String swapped = next(two, rekeyed, admin.as(Role.ADMIN)).text();
        assertRefused(verify(swapped, admin, Optional.of(two)), "only the owner");
    }

    @Test
    void theOwnerCanHandOverOwnershipAndTheNewOwnerIsPinnedFromThen() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        String three = next(two, owner.as(Role.RESIDENT), admin.as(Role.OWNER)).text();

        Result handover = verify(three, owner, Optional.of(two));
        assertAccepted(handover);
        String repinned = ((Accepted) handover).ownerFingerprint();
        assertThat(repinned).isEqualTo(admin.fingerprint());

        // From then on the former owner is an ordinary resident.
        String four = next(three, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        assertRefused(
                RosterVerifier.verify(
                        four, owner.sign(four), owner.publicKey(), Optional.of(three), repinned, CLAIMED, NOW),
                "may not change the roster");
        // The new owner signs under the new pin; the old pin no longer matches the current roster.
        String five = next(three, owner.as(Role.RESIDENT), admin.as(Role.OWNER), guest.as(Role.GUEST, 1L))
                .text();
        assertAccepted(RosterVerifier.verify(
                five, admin.sign(five), admin.publicKey(), Optional.of(three), repinned, CLAIMED, NOW));
        assertRefused(
                RosterVerifier.verify(
                        five,
                        admin.sign(five),
                        admin.publicKey(),
                        Optional.of(three),
                        owner.fingerprint(),
                        CLAIMED,
                        NOW),
                "does not belong to the pinned owner");
    }

    @Test
    void anAdminMayChangeEveryoneButTheOwner() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN), resident.as(Role.RESIDENT))
                .text();
        String three = next(
                        two,
                        owner.as(Role.OWNER),
                        admin.as(Role.ADMIN),
                        resident.as(Role.ADMIN),
                        guest.as(Role.GUEST, NOW.plusSeconds(60).toEpochMilli()))
                .text();
        assertAccepted(verify(three, admin, Optional.of(two)));
    }

    @Test
    void aCurrentRosterWithAForgedSignerLineIsNotTrusted() {
        // Defence in depth: even if a current roster carrying a mismatched key got stored, its signer is refused.
        Member forged = new Member(
                admin.id(),
                Role.ADMIN,
                stranger.fingerprint(),
                b64(admin.publicKey()),
                b64(admin.agreement().getPublic().getEncoded()),
                null);
        String two = roster(HOUSEHOLD, 2, first(), owner.as(Role.OWNER), forged).text();
        String three = next(two, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        assertRefused(
                RosterVerifier.verify(
                        three,
                        stranger.sign(three),
                        stranger.publicKey(),
                        Optional.of(two),
                        owner.fingerprint(),
                        CLAIMED,
                        NOW),
                "signer's key does not match");
    }

    @Test
    void reasonsNeverCarryKeyMaterial() {
        String one = first();
        String two = next(one, owner.as(Role.OWNER), admin.as(Role.ADMIN)).text();
        Result result = verify(two, stranger, Optional.of(one));
        assertRefused(result, "");
        String reason = result.problem().orElseThrow();
        assertThat(reason)
                .doesNotContain(b64(owner.publicKey()), b64(admin.publicKey()), b64(stranger.publicKey()))
                .doesNotContain(stranger.fingerprint());
    }
}
