package dev.doorward.device.door;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DoorCommandsTest {
    private static final String DEVICE = "dddddddddddddddddddddd";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Instant now = Instant.parse("2026-11-24T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final DoorRelay relay = new DoorRelay(clock, Duration.ofSeconds(5));
    private final DoorCommands door = new DoorCommands(DEVICE, clock, RANDOM, relay);

    private final KeyPair owner = KeyPairs.newP256(RANDOM);
    private final KeyPair guest = KeyPairs.newP256(RANDOM);
    private final KeyPair stranger = KeyPairs.newP256(RANDOM);

    private Roster roster(Long guestUntil) {
        List<Roster.Member> members = new ArrayList<>(List.of(
                member("oooooooooooooooooooooo", Roster.Role.OWNER, owner, null),
                member("gggggggggggggggggggggg", Roster.Role.GUEST, guest, guestUntil)));
        members.sort(Comparator.comparing(Roster.Member::clientId));
        return new Roster("hhhhhhhhhhhhhhhhhhhhhh", 1, Roster.NO_PREVIOUS, now.toEpochMilli(), members);
    }

    private static Roster.Member member(String id, Roster.Role role, KeyPair keys, Long until) {
        byte[] spki = keys.getPublic().getEncoded();
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(spki);
        return new Roster.Member(id, role, Fingerprints.ofSubjectPublicKeyInfo(spki), b64, b64, until);
    }

    private DoorCommands.Outcome open(KeyPair signer, String statement, Roster roster) {
        byte[] signature = Signatures.sign(signer.getPrivate(), statement.getBytes(StandardCharsets.UTF_8));
        return door.open(statement, signature, signer.getPublic().getEncoded(), Optional.ofNullable(roster));
    }

    @Test
    void aMembersSignedRequestOpensTheDoorOnceAndIsNotReplayable() {
        String statement = DoorCommands.statement(DEVICE, door.issueNonce(), now);

        DoorCommands.Outcome outcome = open(owner, statement, roster(null));
        assertThat(outcome.opened()).isTrue();
        assertThat(outcome.clientId()).isEqualTo("oooooooooooooooooooooo");
        assertThat(relay.isOpen()).isTrue();
        now = now.plusSeconds(6);
        assertThat(relay.isOpen()).isFalse();

        DoorCommands.Outcome replayed = open(owner, statement, roster(null));
        assertThat(replayed.opened()).isFalse();
        assertThat(replayed.reason()).contains("nonce");
        assertThat(relay.releases()).isEqualTo(1);
    }

    @Test
    void theHubsOwnKeyAnotherDoorbellAStaleRequestOrAnUnknownNonceAreRefused() {
        Roster roster = roster(null);
        String nonce = door.issueNonce();
        assertThat(open(stranger, DoorCommands.statement(DEVICE, nonce, now), roster)
                        .reason())
                .contains("not in the roster");
        assertThat(open(owner, DoorCommands.statement("eeeeeeeeeeeeeeeeeeeeee", nonce, now), roster)
                        .reason())
                .contains("another doorbell");
        assertThat(open(owner, DoorCommands.statement(DEVICE, nonce, now.minusSeconds(600)), roster)
                        .reason())
                .contains("stale");
        assertThat(open(owner, DoorCommands.statement(DEVICE, "nnnnnnnnnnnnnnnnnnnnnn", now), roster)
                        .reason())
                .contains("nonce");
        assertThat(open(owner, DoorCommands.statement(DEVICE, nonce, now), null).reason())
                .contains("no roster");
        // A forged attempt did not spend the nonce: the member's own request still works.
        assertThat(open(owner, DoorCommands.statement(DEVICE, nonce, now), roster)
                        .opened())
                .isTrue();
        assertThat(relay.releases()).isEqualTo(1);
    }

    @Test
    void aBadSignatureOrAMalformedStatementIsRefused() {
        String statement = DoorCommands.statement(DEVICE, door.issueNonce(), now);
        byte[] signature = Signatures.sign(owner.getPrivate(), (statement + "x").getBytes(StandardCharsets.UTF_8));
        assertThat(door.open(statement, signature, owner.getPublic().getEncoded(), Optional.of(roster(null)))
                        .reason())
                .contains("bad signature");
        assertThat(open(owner, "doorward-door:1:" + DEVICE + ":close:x:1", roster(null))
                        .reason())
                .contains("malformed");
        assertThat(open(owner, "something else", roster(null)).reason()).contains("not a door statement");
        assertThat(relay.releases()).isZero();
    }

    @Test
    void anExpiredGuestIsRefusedAndANonceExpires() {
        String nonce = door.issueNonce();
        Roster expired = roster(now.toEpochMilli());
        assertThat(open(guest, DoorCommands.statement(DEVICE, nonce, now), expired)
                        .reason())
                .contains("expired");
        Roster valid = roster(now.plusSeconds(3600).toEpochMilli());
        assertThat(open(guest, DoorCommands.statement(DEVICE, nonce, now), valid)
                        .opened())
                .isTrue();

        String late = door.issueNonce();
        now = now.plus(DoorCommands.NONCE_LIFETIME).plusSeconds(1);
        assertThat(open(owner, DoorCommands.statement(DEVICE, late, now), roster(null))
                        .reason())
                .contains("nonce");
    }

    @Test
    void aGuestOpensOnlyTheirDoorsWithinTheirSchedule() {
        // The test's "now" is Tuesday 2026-11-24 12:00 UTC.
        List<Roster.Member> members = new ArrayList<>(List.of(
                member("oooooooooooooooooooooo", Roster.Role.OWNER, owner, null),
                member("gggggggggggggggggggggg", Roster.Role.GUEST, guest, null)));
        members.sort(Comparator.comparing(Roster.Member::clientId));
        Roster.Schedule mornings = new Roster.Schedule(0b1111111, 8 * 60, 11 * 60, 0);
        Roster.Schedule afternoons = new Roster.Schedule(0b1111111, 11 * 60, 14 * 60, 0);
        Roster outside = new Roster(
                "hhhhhhhhhhhhhhhhhhhhhh",
                1,
                Roster.NO_PREVIOUS,
                now.toEpochMilli(),
                members,
                List.of(new Roster.Access("gggggggggggggggggggggg", List.of(DEVICE), mornings)));
        Roster otherDoor = new Roster(
                "hhhhhhhhhhhhhhhhhhhhhh",
                1,
                Roster.NO_PREVIOUS,
                now.toEpochMilli(),
                members,
                List.of(new Roster.Access("gggggggggggggggggggggg", List.of("eeeeeeeeeeeeeeeeeeeeee"), null)));
        Roster inside = new Roster(
                "hhhhhhhhhhhhhhhhhhhhhh",
                1,
                Roster.NO_PREVIOUS,
                now.toEpochMilli(),
                members,
                List.of(new Roster.Access("gggggggggggggggggggggg", List.of(DEVICE), afternoons)));

        String nonce = door.issueNonce();
        assertThat(open(guest, DoorCommands.statement(DEVICE, nonce, now), outside)
                        .reason())
                .contains("schedule");
        assertThat(open(guest, DoorCommands.statement(DEVICE, nonce, now), otherDoor)
                        .reason())
                .contains("no access to this doorbell");
        assertThat(open(guest, DoorCommands.statement(DEVICE, nonce, now), inside)
                        .opened())
                .isTrue();
    }

    @Test
    void aFloodOfNonceRequestsKeepsOnlyTheNewest() {
        String first = door.issueNonce();
        for (int i = 0; i < DoorCommands.MAX_NONCES; i++) {
            door.issueNonce();
        }
        assertThat(open(owner, DoorCommands.statement(DEVICE, first, now), roster(null))
                        .reason())
                .contains("nonce");
    }
}
