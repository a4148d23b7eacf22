package dev.doorward.device.motion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.TestPki;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.protocol.LinkMessage.SetMotion;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.Roster;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner's motion setting reaches the detector only signed by the owner (or an owner or admin of the
 * roster): the zones then decide where motion counts, and a forged, altered, stale or misdirected setting
 * changes nothing.
 */
class SignedMotionSettingTest {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private final SecureRandom random = new SecureRandom();
    private final Instant now = Instant.parse("2026-11-24T12:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final CertificateAuthority hubCa = TestPki.hubCa(clock, random);
    private final KeyPair owner = KeyPairs.newP256(random);
    private final KeyPair admin = KeyPairs.newP256(random);
    private final KeyPair resident = KeyPairs.newP256(random);
    private final KeyPair stranger = KeyPairs.newP256(random);
    private final Ownership ownership = ownership();

    @TempDir
    Path dir;

    private Ownership ownership() {
        String deviceId = RandomIds.newId(random);
        Ownership owned = Ownership.owned(
                deviceId,
                URI.create("wss://hub.home.arpa/device"),
                hubCa.certificate(),
                TestPki.operational(hubCa, KeyPairs.newP256(random).getPublic(), deviceId),
                fingerprint(owner),
                now.minusSeconds(3600));
        List<Roster.Member> members = new ArrayList<>(List.of(
                member("aaaaaaaaaaaaaaaaaaaaaa", Roster.Role.OWNER, owner),
                member("bbbbbbbbbbbbbbbbbbbbbb", Roster.Role.ADMIN, admin),
                member("cccccccccccccccccccccc", Roster.Role.RESIDENT, resident)));
        members.sort(Comparator.comparing(Roster.Member::clientId));
        Roster roster = new Roster("hhhhhhhhhhhhhhhhhhhhhh", 1, Roster.NO_PREVIOUS, now.toEpochMilli(), members);
        return owned.withRoster(roster.text(), fingerprint(owner));
    }

    private static String fingerprint(KeyPair keys) {
        return Fingerprints.ofSubjectPublicKeyInfo(keys.getPublic().getEncoded());
    }

    private static Roster.Member member(String id, Roster.Role role, KeyPair keys) {
        byte[] spki = keys.getPublic().getEncoded();
        String b64 = B64URL.encodeToString(spki);
        return new Roster.Member(id, role, Fingerprints.ofSubjectPublicKeyInfo(spki), b64, b64, null);
    }

    private String statement(String deviceId, Instant at, String setting) {
        return MotionSetting.STATEMENT_KIND + ":1:" + deviceId + ":" + at.toEpochMilli() + ":" + setting;
    }

    private SetMotion signed(KeyPair signer, String statement) {
        byte[] signature = Signatures.sign(signer.getPrivate(), statement.getBytes(StandardCharsets.UTF_8));
        return new SetMotion(
                statement,
                B64URL.encodeToString(signature),
                B64URL.encodeToString(signer.getPublic().getEncoded()));
    }

    // ---- frames: a grey wall and a dark figure walking across at the given height (640x480)

    private static BufferedImage frame(int figureX, int figureTop) {
        BufferedImage frame = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        g.setColor(new Color(120, 120, 120));
        g.fillRect(0, 0, 640, 480);
        if (figureX > -100) {
            g.setColor(new Color(20, 25, 40));
            g.fillRect(figureX, figureTop, 60, 120);
        }
        g.dispose();
        return frame;
    }

    private static int motionsOfAWalk(MotionDetector detector, Instant start, int figureTop) {
        int seen = 0;
        for (int i = 0; i < 40; i++) {
            BufferedImage f = i < 10 ? frame(-1000, 0) : frame(-60 + (i - 10) * 24, figureTop);
            if (detector.offer(f, start.plusMillis(100L * i)).isPresent()) {
                seen++;
            }
        }
        return seen;
    }

    @Test
    void theOwnersZonesDecideWhereMotionCounts() {
        SignedMotionSetting store = new SignedMotionSetting(dir);
        // The lower half of the picture only (rows 6..11 of 12).
        SignedMotionSetting.Result result =
                store.apply(signed(owner, statement(ownership.deviceId(), now, "on;0,6,16,6")), ownership, now);
        assertThat(result.problem()).isEmpty();
        assertThat(result.setting().orElseThrow().format()).isEqualTo("on;0,6,16,6");
        assertThat(store.load().orElseThrow().format())
                .as("kept across a restart")
                .isEqualTo("on;0,6,16,6");

        MotionSettings off = MotionSettings.defaults().withSensitivity(0).withCooldown(Duration.ZERO);
        MotionSettings applied = SignedMotionSetting.applied(off, store.load().orElseThrow());
        assertThat(applied.enabled()).isTrue();
        assertThat(applied.watchedZones()).containsExactly(new Region(0, 0.5, 1, 0.5));

        // A walk in the top part of the picture is outside the zone: ignored. The same walk lower down counts.
        assertThat(motionsOfAWalk(new MotionDetector(applied), now, 40)).isZero();
        assertThat(motionsOfAWalk(new MotionDetector(applied), now, 320)).isPositive();
        // Without zones the top walk is motion too: it was the zone that hid it.
        assertThat(motionsOfAWalk(new MotionDetector(applied.withWatchedZones(List.of())), now, 40))
                .isPositive();

        // An admin of the roster may switch it off; off is sensitivity 0 and nothing is reported at all.
        SignedMotionSetting.Result switchedOff =
                store.apply(signed(admin, statement(ownership.deviceId(), now, "off")), ownership, now);
        assertThat(switchedOff.problem()).isEmpty();
        MotionSettings none =
                SignedMotionSetting.applied(applied, switchedOff.setting().orElseThrow());
        assertThat(none.enabled()).isFalse();
        assertThat(none.watchedZones()).isEmpty();
        assertThat(motionsOfAWalk(new MotionDetector(none), now, 320)).isZero();
        // On again keeps the sensitivity that was set before rather than inventing one.
        MotionSettings custom = MotionSettings.defaults().withSensitivity(80);
        assertThat(SignedMotionSetting.applied(custom, new MotionSetting(true, List.of()))
                        .sensitivity())
                .isEqualTo(80);
    }

    @Test
    void aForgedAlteredStaleOrMisdirectedSettingChangesNothing() {
        SignedMotionSetting store = new SignedMotionSetting(dir);
        String id = ownership.deviceId();
        assertThat(store.apply(signed(owner, statement(id, now, "on;0,6,16,6")), ownership, now)
                        .problem())
                .isEmpty();

        // A resident, a stranger (or a hub that made up a key): not the owner's key.
        assertThat(store.apply(signed(resident, statement(id, now, "off")), ownership, now)
                        .problem())
                .contains("not signed by the owner's key");
        assertThat(store.apply(signed(stranger, statement(id, now, "off")), ownership, now)
                        .problem())
                .contains("not signed by the owner's key");
        // The owner's signature on other zones, carried with the zones changed on the way.
        SetMotion genuine = signed(owner, statement(id, now, "on;0,6,16,6"));
        SetMotion altered =
                new SetMotion(statement(id, now, "on;0,0,1,1"), genuine.signature(), genuine.signerPublicKey());
        assertThat(store.apply(altered, ownership, now).problem()).contains("bad signature");
        // For another doorbell, too old, from the future, not a motion statement, no signature at all.
        assertThat(store.apply(signed(owner, statement("someOtherDevice_000000", now, "off")), ownership, now)
                        .problem())
                .contains("for another device");
        assertThat(store.apply(signed(owner, statement(id, now.minus(Duration.ofMinutes(11)), "off")), ownership, now)
                        .problem())
                .contains("too old or from the future");
        assertThat(store.apply(signed(owner, statement(id, now.plus(Duration.ofMinutes(11)), "off")), ownership, now)
                        .problem())
                .contains("too old or from the future");
        assertThat(store.apply(
                                signed(owner, "doorward-cooling-off:1:" + id + ":" + now.toEpochMilli() + ":0"),
                                ownership,
                                now)
                        .problem())
                .contains("not a doorward-motion statement");
        assertThat(store.apply(new SetMotion(statement(id, now, "off"), "", genuine.signerPublicKey()), ownership, now)
                        .problem())
                .isPresent();
        // Signed by the owner but not a setting the doorbell understands.
        assertThat(store.apply(signed(owner, statement(id, now, "on;0,0,99,1")), ownership, now)
                        .problem())
                .contains("not a motion setting");
        // A doorbell that nobody owns takes no setting at all.
        assertThat(store.apply(signed(owner, statement(id, now, "off")), Ownership.factoryNew(), now)
                        .problem())
                .contains("not owned");

        assertThat(store.load().orElseThrow().format())
                .as("the owner's setting stands")
                .isEqualTo("on;0,6,16,6");
        store.forget();
        assertThat(store.load()).isEmpty();
    }
}
