package dev.doorward.device.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.TestPki;
import dev.doorward.protocol.Roster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may release a doorbell or change its settings: the pinned owner key, or an owner or admin of the roster. */
class OwnerStatementsTest {
    private final SecureRandom random = new SecureRandom();
    private final Instant now = Instant.parse("2026-11-24T12:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final CertificateAuthority hubCa = TestPki.hubCa(clock, random);
    private final KeyPair owner = KeyPairs.newP256(random);
    private final KeyPair admin = KeyPairs.newP256(random);
    private final KeyPair resident = KeyPairs.newP256(random);
    private final KeyPair stranger = KeyPairs.newP256(random);

    private Ownership ownership(Long adminUntil) {
        String deviceId = RandomIds.newId(random);
        Ownership owned = Ownership.owned(
                deviceId,
                URI.create("wss://hub.home.arpa/device"),
                hubCa.certificate(),
                TestPki.operational(hubCa, KeyPairs.newP256(random).getPublic(), deviceId),
                fingerprint(owner),
                now.minusSeconds(3600));
        List<Roster.Member> members = new ArrayList<>(List.of(
                member("aaaaaaaaaaaaaaaaaaaaaa", Roster.Role.OWNER, owner, null),
                member("bbbbbbbbbbbbbbbbbbbbbb", Roster.Role.ADMIN, admin, adminUntil),
                member("cccccccccccccccccccccc", Roster.Role.RESIDENT, resident, null)));
        members.sort(Comparator.comparing(Roster.Member::clientId));
        Roster roster = new Roster("hhhhhhhhhhhhhhhhhhhhhh", 1, Roster.NO_PREVIOUS, now.toEpochMilli(), members);
        return owned.withRoster(roster.text(), fingerprint(owner));
    }

    private static String fingerprint(KeyPair keys) {
        return Fingerprints.ofSubjectPublicKeyInfo(keys.getPublic().getEncoded());
    }

    private static Roster.Member member(String id, Roster.Role role, KeyPair keys, Long until) {
        byte[] spki = keys.getPublic().getEncoded();
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(spki);
        return new Roster.Member(id, role, Fingerprints.ofSubjectPublicKeyInfo(spki), b64, b64, until);
    }

    private OwnerStatements.Checked release(Ownership ownership, KeyPair signer) {
        String statement = ReleaseStatement.text(ownership.deviceId(), now);
        return OwnerStatements.check(
                ReleaseStatement.KIND,
                false,
                statement,
                Signatures.sign(signer.getPrivate(), statement.getBytes(StandardCharsets.UTF_8)),
                signer.getPublic().getEncoded(),
                ownership,
                now);
    }

    @Test
    void theOwnerAndTheRostersAdminsMayNobodyElse() {
        Ownership ownership = ownership(null);
        assertThat(release(ownership, owner).problem()).isEmpty();
        assertThat(release(ownership, admin).problem()).isEmpty();
        assertThat(release(ownership, resident).problem()).contains("not signed by the owner's key");
        assertThat(release(ownership, stranger).problem()).contains("not signed by the owner's key");
    }

    @Test
    void anExpiredAdminMayNot() {
        assertThat(release(ownership(now.toEpochMilli()), admin).problem()).contains("not signed by the owner's key");
    }
}
