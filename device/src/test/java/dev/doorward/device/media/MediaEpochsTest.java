package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.media.MediaEpochs.Senders;
import dev.doorward.device.media.TestHousehold.Client;
import dev.doorward.protocol.Roster;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaEpochsTest {
    private static final Instant START = Instant.parse("2026-05-01T10:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final MediaEpochs epochs = new MediaEpochs(TestHousehold.DEVICE_ID, clock, TestHousehold.RANDOM);
    private final List<Client> clients =
            TestHousehold.sorted(List.of(TestHousehold.client(), TestHousehold.client(), TestHousehold.client()));

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void thereIsNoKeyBeforeTheFirstRoster() {
        assertThat(epochs.current()).isEmpty();
        assertThat(epochs.currentEpoch()).isEmpty();
        assertThat(epochs.needsRotation(START.plus(Duration.ofDays(3)))).isFalse();
        assertThat(epochs.talkReceiver(MediaEpochs.kid(START.getEpochSecond(), 16)))
                .isEmpty();
        assertThatThrownBy(epochs::rotate).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void everyMemberGetsTheEpochKeyForItsOwnSlot() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long epoch = START.getEpochSecond();

        assertThat(epochs.currentEpoch()).contains(epoch);
        assertThat(envelopes).hasSize(3);
        byte[] key = null;
        for (int i = 0; i < clients.size(); i++) {
            Envelope envelope = envelopes.get(i);
            assertThat(envelope.context().clientId()).isEqualTo(clients.get(i).id());
            assertThat(envelope.context().slot()).isEqualTo(16 + i);
            assertThat(envelope.context().mediaEpoch()).isEqualTo(epoch);
            assertThat(envelope.context().deviceId()).isEqualTo(TestHousehold.DEVICE_ID);
            byte[] unwrapped = clients.get(i).unwrap(envelope, epoch, 16 + i);
            assertThat(unwrapped).hasSize(32);
            if (key != null) {
                assertThat(unwrapped).isEqualTo(key);
            }
            key = unwrapped;
        }
        // A client cannot open another's envelope.
        Envelope first = envelopes.get(0);
        assertThatThrownBy(() -> clients.get(1).unwrap(first, epoch, 16)).isInstanceOf(Exception.class);
    }

    @Test
    void theDoorbellSendersUseTheirSlotsLabelsAndCountFromZero() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long epoch = START.getEpochSecond();
        byte[] key = clients.get(0).unwrap(envelopes.get(0), epoch, 16);
        Senders senders = epochs.current().orElseThrow();

        assertThat(senders.mediaEpoch()).isEqualTo(epoch);
        String[] labels = {"device-video", "device-audio", "device-still"};
        Sender[] bySlot = {senders.video(), senders.audio(), senders.still()};
        for (int slot = 0; slot < 3; slot++) {
            byte[] sealed = bySlot[slot].seal(new byte[0], utf8("slot " + slot));
            SFrameHeader header = SFrameHeader.decode(sealed);
            assertThat(header.kid()).isEqualTo(epoch * 256 + slot);
            assertThat(header.counter()).isZero();
            SFrameContext viewer = new SFrameContext(
                    CipherSuite.AES_128_GCM_SHA256_128, epoch * 256 + slot, SFrameContext.senderKey(key, labels[slot]));
            assertThat(viewer.open(sealed, new byte[0])).isEqualTo(utf8("slot " + slot));
        }
        assertThat(SFrameHeader.decode(senders.video().seal(null, utf8("next"))).counter())
                .isEqualTo(1);
    }

    @Test
    void epochNumbersFollowTheClockAndAlwaysGrow() {
        epochs.rotate(TestHousehold.roster(clients));
        long first = epochs.currentEpoch().orElseThrow();
        epochs.rotate(TestHousehold.roster(clients));
        epochs.rotate();
        // Three in the same second: previous + 1.
        assertThat(epochs.currentEpoch()).contains(first + 2);

        clock.advance(Duration.ofMinutes(1));
        epochs.rotate();
        assertThat(epochs.currentEpoch()).contains(START.getEpochSecond() + 60);
    }

    @Test
    void aNewEpochHasANewKeyAndCountersStartAgain() throws Exception {
        List<Envelope> one = epochs.rotate(TestHousehold.roster(clients));
        long epochOne = epochs.currentEpoch().orElseThrow();
        epochs.current().orElseThrow().video().seal(null, utf8("a"));
        clock.advance(Duration.ofSeconds(5));
        List<Envelope> two = epochs.rotate(TestHousehold.roster(clients));
        long epochTwo = epochs.currentEpoch().orElseThrow();

        assertThat(clients.get(0).unwrap(one.get(0), epochOne, 16))
                .isNotEqualTo(clients.get(0).unwrap(two.get(0), epochTwo, 16));
        assertThat(SFrameHeader.decode(epochs.current().orElseThrow().video().seal(null, utf8("b"))))
                .isEqualTo(SFrameHeader.of(epochTwo * 256, 0));
    }

    @Test
    void aRemovedClientGetsNoEnvelopeAndOthersKeepTheirSlotsByRosterPosition() throws Exception {
        epochs.rotate(TestHousehold.roster(clients));
        List<Client> remaining = List.of(clients.get(0), clients.get(2));
        clock.advance(Duration.ofSeconds(1));
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(remaining));
        long epoch = epochs.currentEpoch().orElseThrow();

        assertThat(envelopes)
                .extracting(e -> e.context().clientId())
                .containsExactly(clients.get(0).id(), clients.get(2).id());
        assertThat(envelopes).extracting(e -> e.context().slot()).containsExactly(16, 17);
        assertThat(clients.get(2).unwrap(envelopes.get(1), epoch, 17)).hasSize(32);
    }

    @Test
    void aMemberKeptAwayFromThisDoorbellGetsNoKeyToIt() {
        Roster plain = TestHousehold.roster(clients);
        Roster.Member guest = plain.members().stream()
                .filter(m -> m.role() != Roster.Role.OWNER)
                .findFirst()
                .orElseThrow();
        Roster restricted = new Roster(
                plain.householdId(),
                plain.epoch(),
                plain.previousHash(),
                plain.issuedAt(),
                plain.members(),
                List.of(new Roster.Access(guest.clientId(), List.of("AAAAAAAAAAAAAAAAAAAAAA"), null)));

        List<Envelope> envelopes = epochs.rotate(restricted);

        assertThat(envelopes).extracting(e -> e.context().clientId()).doesNotContain(guest.clientId());
        assertThat(envelopes).hasSize(plain.members().size() - 1);
    }

    @Test
    void anExpiredMemberGetsNoKeyAndAMemberExpiringForcesARotation() {
        Client owner = TestHousehold.client();
        Client expired = TestHousehold.client(START.minusSeconds(1).toEpochMilli());
        Client guest = TestHousehold.client(START.plus(Duration.ofHours(3)).toEpochMilli());
        List<Client> all = TestHousehold.sorted(List.of(owner, expired, guest));

        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(owner, all));

        assertThat(envelopes).extracting(e -> e.context().clientId()).containsExactlyInAnyOrder(owner.id(), guest.id());
        // Slots stay roster positions, so the browser can compute its own.
        for (Envelope envelope : envelopes) {
            Client client = envelope.context().clientId().equals(owner.id()) ? owner : guest;
            assertThat(envelope.context().slot()).isEqualTo(16 + all.indexOf(client));
        }
        assertThat(epochs.needsRotation(START.plus(Duration.ofHours(2)))).isFalse();
        assertThat(epochs.needsDailyRotation(START.plus(Duration.ofHours(3)))).isFalse();
        assertThat(epochs.needsRotation(START.plus(Duration.ofHours(3)))).isTrue();

        // Once rotated, the guest is left out too and nothing more is due until the next day.
        clock.advance(Duration.ofHours(3));
        assertThat(epochs.rotate()).extracting(e -> e.context().clientId()).containsExactly(owner.id());
        assertThat(epochs.needsRotation(clock.instant().plus(Duration.ofHours(23))))
                .isFalse();
    }

    @Test
    void theEpochMustBeReplacedDaily() {
        epochs.rotate(TestHousehold.roster(clients));

        assertThat(epochs.needsDailyRotation(START.plus(Duration.ofHours(23)))).isFalse();
        assertThat(epochs.needsRotation(START.plus(Duration.ofHours(23)))).isFalse();
        assertThat(epochs.needsDailyRotation(START.plus(Duration.ofHours(24)))).isTrue();
        assertThat(epochs.needsRotation(START.plus(Duration.ofHours(24)))).isTrue();

        clock.advance(Duration.ofHours(24));
        epochs.rotate();
        assertThat(epochs.needsDailyRotation(clock.instant())).isFalse();
    }

    @Test
    void talkOpensForRosterSlotsOfTheCurrentAndRecentEpochOnly() throws Exception {
        List<Envelope> old = epochs.rotate(TestHousehold.roster(clients));
        long oldEpoch = epochs.currentEpoch().orElseThrow();
        byte[] oldKey = clients.get(1).unwrap(old.get(1), oldEpoch, 17);

        // Doorbell slots, unused slots and slots past the roster carry no talk.
        for (int slot : new int[] {0, 1, 2, 3, 15, 19, 255}) {
            assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch, slot)))
                    .as("slot " + slot)
                    .isEmpty();
        }
        assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch + 1, 16))).isEmpty();
        assertThat(epochs.talkReceiver(-1)).isEmpty();

        Receiver receiver = epochs.talkReceiver(MediaEpochs.kid(oldEpoch, 17)).orElseThrow();
        assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch, 17))).containsSame(receiver);
        Sender browser = new Sender(
                new SFrameContext(
                        CipherSuite.DEFAULT,
                        MediaEpochs.kid(oldEpoch, 17),
                        SFrameContext.senderKey(
                                oldKey, "client-" + clients.get(1).id())),
                1_000_000L);
        assertThat(receiver.open(browser.seal(null, utf8("hello")), null)).isEqualTo(utf8("hello"));

        clock.advance(Duration.ofSeconds(10));
        epochs.rotate();
        // Within the grace period the old epoch still opens talk...
        assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch, 17))).containsSame(receiver);
        clock.advance(Duration.ofSeconds(29));
        assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch, 17))).isPresent();
        // ...and not after it.
        clock.advance(Duration.ofSeconds(1));
        assertThat(epochs.talkReceiver(MediaEpochs.kid(oldEpoch, 17))).isEmpty();
        assertThat(epochs.talkReceiver(MediaEpochs.kid(epochs.currentEpoch().orElseThrow(), 17)))
                .isPresent();
    }

    @Test
    void aTalkKeyOfOneClientDoesNotOpenAnothersSlot() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long epoch = epochs.currentEpoch().orElseThrow();
        byte[] key = clients.get(0).unwrap(envelopes.get(0), epoch, 16);
        // Client 0 knows the epoch key but seals as if it were client 1 with its own label: refused.
        Sender impostor = new Sender(new SFrameContext(
                CipherSuite.DEFAULT,
                MediaEpochs.kid(epoch, 17),
                SFrameContext.senderKey(key, "client-" + clients.get(0).id())));
        Receiver slot17 = epochs.talkReceiver(MediaEpochs.kid(epoch, 17)).orElseThrow();

        assertThatThrownBy(() -> slot17.open(impostor.seal(null, utf8("x")), null))
                .isInstanceOf(SFrameException.class)
                .extracting(e -> ((SFrameException) e).reason())
                .isEqualTo(SFrameException.Reason.AUTHENTICATION_FAILED);
    }

    @Test
    void theKeyIsNeverShown() throws Exception {
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long epoch = epochs.currentEpoch().orElseThrow();
        byte[] key = clients.get(0).unwrap(envelopes.get(0), epoch, 16);
        String shown = epochs + " " + epochs.current().orElseThrow();

        assertThat(shown).contains(Long.toString(epoch));
        assertThat(shown)
                .doesNotContainIgnoringCase(HexFormat.of().formatHex(key).substring(0, 12))
                .doesNotContain(Base64.getEncoder().encodeToString(key).substring(0, 12))
                .doesNotContain(Base64.getUrlEncoder().encodeToString(key).substring(0, 12));
    }
}
