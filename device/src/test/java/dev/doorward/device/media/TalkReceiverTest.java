package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.media.TalkReceiver.Refusal;
import dev.doorward.device.media.TestHousehold.Client;
import dev.doorward.protocol.MediaPart;
import dev.doorward.protocol.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Talk from a browser (a Java SFrame sender with the client's key) to the doorbell's WAV speaker. */
class TalkReceiverTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private final MediaEpochs epochs = new MediaEpochs(TestHousehold.DEVICE_ID, clock, TestHousehold.RANDOM);
    private final List<Client> clients = TestHousehold.sorted(List.of(TestHousehold.client(), TestHousehold.client()));
    private final Random random = new Random(42);
    private Path wav;
    private WavSpeaker speaker;
    private TalkReceiver receiver;
    private long epoch;
    private byte[] epochKey;

    @BeforeEach
    void setUp() throws Exception {
        wav = dir.resolve("talk.wav");
        speaker = new WavSpeaker(wav);
        receiver = new TalkReceiver(epochs, speaker);
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        epoch = epochs.currentEpoch().orElseThrow();
        epochKey = clients.get(1).unwrap(envelopes.get(1), epoch, 17);
    }

    @AfterEach
    void tearDown() throws Exception {
        speaker.close();
    }

    /** Client 1's browser: its talk slot 17, its own label, a random starting counter below 2^48. */
    private Sender browser(long mediaEpoch, int slot, String label, byte[] key) {
        long start = (random.nextLong() >>> 16);
        return new Sender(
                new SFrameContext(CipherSuite.DEFAULT, mediaEpoch * 256 + slot, SFrameContext.senderKey(key, label)),
                start);
    }

    private Sender browser() {
        return browser(epoch, 17, "client-" + clients.get(1).id(), epochKey);
    }

    private static byte[] pcm(int seed) {
        byte[] pcm = new byte[640];
        for (int i = 0; i < 320; i++) {
            short sample = (short) (seed * 1000 + i * 7);
            pcm[2 * i] = (byte) sample;
            pcm[2 * i + 1] = (byte) (sample >> 8);
        }
        return pcm;
    }

    private static byte[] plaintext(byte[] media) {
        return ByteBuffer.allocate(8 + media.length)
                .putLong(1_777_000_000_000L)
                .put(media)
                .array();
    }

    private static ByteBuffer talkPart(byte[] sealed) {
        return MediaPart.split(MediaPart.Kind.TALK, false, sealed).get(0);
    }

    private static byte[] readWav(Path file, AudioFormat[] format) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            format[0] = in.getFormat();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    @Test
    void talkFromAMemberIsPlayedIntoAWavFileReadableWhileItGrows() throws Exception {
        Sender browser = browser();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
            byte[] pcm = pcm(i);
            expected.write(pcm);
            assertThat(receiver.accept(talkPart(browser.seal(null, plaintext(pcm)))))
                    .isTrue();
            if (i == 4) {
                AudioFormat[] format = new AudioFormat[1];
                assertThat(readWav(wav, format)).hasSize(5 * 640);
            }
        }

        assertThat(receiver.played()).isEqualTo(10);
        assertThat(receiver.refusals()).isEmpty();
        assertThat(receiver.lastCaptureTime()).isEqualTo(1_777_000_000_000L);
        AudioFormat[] format = new AudioFormat[1];
        byte[] heard = readWav(wav, format);
        assertThat(format[0].getSampleRate()).isEqualTo(16000f);
        assertThat(format[0].getChannels()).isEqualTo(1);
        assertThat(format[0].getSampleSizeInBits()).isEqualTo(16);
        assertThat(format[0].isBigEndian()).isFalse();
        assertThat(format[0].getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
        assertThat(heard).isEqualTo(expected.toByteArray());
    }

    @Test
    void aFrameInTwoPartsIsJoinedFirst() throws Exception {
        byte[] sealed = browser().seal(null, plaintext(pcm(3)));
        ByteBuffer first =
                new MediaPart(MediaPart.Kind.TALK, true, false, false, ByteBuffer.wrap(sealed, 0, 100)).encode();
        ByteBuffer last = new MediaPart(
                        MediaPart.Kind.TALK, false, true, false, ByteBuffer.wrap(sealed, 100, sealed.length - 100))
                .encode();

        assertThat(receiver.accept(first)).isFalse();
        assertThat(receiver.accept(last)).isTrue();
        assertThat(speaker.dataBytes()).isEqualTo(640);
    }

    @Test
    void partsThatAreNotTalkOrNotPartsAreRefused() throws Exception {
        byte[] sealed = browser().seal(null, plaintext(pcm(1)));
        receiver.accept(MediaPart.split(MediaPart.Kind.VIDEO, true, sealed).get(0));
        receiver.accept(MediaPart.split(MediaPart.Kind.AUDIO, false, sealed).get(0));
        receiver.accept(ByteBuffer.allocate(0));
        receiver.accept(ByteBuffer.wrap(new byte[] {3, 3}));
        receiver.accept(ByteBuffer.wrap(new byte[] {9, 3, 1, 2, 3}));
        receiver.accept(ByteBuffer.wrap(new byte[] {3, (byte) 0x83, 1, 2, 3}));
        receiver.accept(
                ByteBuffer.allocate(MediaPart.MAX_BYTES + 1).put(0, (byte) 3).put(1, (byte) 3));

        assertThat(receiver.refused(Refusal.NOT_TALK)).isEqualTo(2);
        assertThat(receiver.refused(Refusal.MALFORMED_PART)).isEqualTo(5);
        assertThat(receiver.played()).isZero();
        assertThat(speaker.dataBytes()).isZero();
    }

    @Test
    void brokenAndOversizedFramesAreRefused() throws Exception {
        byte[] sealed = browser().seal(null, plaintext(pcm(1)));
        // A continuation with no first part.
        receiver.accept(new MediaPart(MediaPart.Kind.TALK, false, true, false, ByteBuffer.wrap(sealed)).encode());
        // A frame bigger than any talk frame.
        receiver.accept(new MediaPart(MediaPart.Kind.TALK, true, false, false, ByteBuffer.allocate(1000)).encode());
        receiver.accept(new MediaPart(MediaPart.Kind.TALK, false, true, false, ByteBuffer.allocate(1000)).encode());

        assertThat(receiver.refused(Refusal.BROKEN_FRAME)).isEqualTo(2);
        // A good frame afterwards still plays: one broken frame does not poison the next.
        assertThat(receiver.accept(talkPart(sealed))).isTrue();
    }

    @Test
    void framesWithABrokenSFrameHeaderOrNoRoomForATagAreRefused() throws Exception {
        receiver.accept(talkPart(new byte[] {(byte) 0x80}));
        receiver.accept(talkPart(new byte[] {(byte) 0x88, 1}));
        // A real header, then less than a tag.
        byte[] header =
                dev.doorward.crypto.sframe.SFrameHeader.of(epoch * 256 + 17, 5).encode();
        receiver.accept(talkPart(Arrays.copyOf(header, header.length + 10)));

        assertThat(receiver.refused(Refusal.MALFORMED_FRAME)).isEqualTo(3);
        assertThat(receiver.played()).isZero();
    }

    @Test
    void unknownEpochsAndSlotsAreRefused() throws Exception {
        String label = "client-" + clients.get(1).id();
        receiver.accept(talkPart(browser(epoch + 5, 17, label, epochKey).seal(null, plaintext(pcm(1)))));
        receiver.accept(talkPart(browser(epoch - 1, 17, label, epochKey).seal(null, plaintext(pcm(1)))));
        // A slot past the roster, a doorbell slot, a reserved slot.
        receiver.accept(talkPart(browser(epoch, 18, label, epochKey).seal(null, plaintext(pcm(1)))));
        receiver.accept(talkPart(browser(epoch, 0, "device-video", epochKey).seal(null, plaintext(pcm(1)))));
        receiver.accept(talkPart(browser(epoch, 5, label, epochKey).seal(null, plaintext(pcm(1)))));

        assertThat(receiver.refused(Refusal.UNKNOWN_KEY)).isEqualTo(5);
        assertThat(receiver.played()).isZero();
    }

    @Test
    void replaysAndFramesOlderThanTheWindowAreRefused() throws Exception {
        Sender browser = browser();
        byte[] first = browser.seal(null, plaintext(pcm(1)));
        assertThat(receiver.accept(talkPart(first))).isTrue();
        assertThat(receiver.accept(talkPart(first))).isFalse();
        for (int i = 0; i < 70; i++) {
            browser.seal(null, plaintext(pcm(2)));
        }
        assertThat(receiver.accept(talkPart(browser.seal(null, plaintext(pcm(3))))))
                .isTrue();
        byte[] stale = new SFrameContext(
                        CipherSuite.DEFAULT,
                        epoch * 256 + 17,
                        SFrameContext.senderKey(
                                epochKey, "client-" + clients.get(1).id()))
                .seal(browser.nextCounter() - 100, null, plaintext(pcm(4)));
        assertThat(receiver.accept(talkPart(stale))).isFalse();

        assertThat(receiver.refused(Refusal.REPLAYED)).isEqualTo(2);
        assertThat(receiver.played()).isEqualTo(2);
    }

    @Test
    void tamperedFramesAndAnotherMembersKeyAreRefused() throws Exception {
        byte[] sealed = browser().seal(null, plaintext(pcm(1)));
        sealed[sealed.length - 1] ^= 1;
        receiver.accept(talkPart(sealed));
        byte[] flippedBody = browser().seal(null, plaintext(pcm(1)));
        flippedBody[10] ^= 0x40;
        receiver.accept(talkPart(flippedBody));
        // Client 0 knows the epoch key but cannot talk in client 1's slot: the label is part of the key.
        receiver.accept(talkPart(
                browser(epoch, 17, "client-" + clients.get(0).id(), epochKey).seal(null, plaintext(pcm(1)))));
        // Nor can anybody without the epoch key.
        byte[] guessed = new byte[32];
        receiver.accept(talkPart(
                browser(epoch, 17, "client-" + clients.get(1).id(), guessed).seal(null, plaintext(pcm(1)))));

        assertThat(receiver.refused(Refusal.BAD_TAG)).isEqualTo(4);
        assertThat(receiver.played()).isZero();
        assertThat(Files.size(wav)).isEqualTo(WavSpeaker.HEADER_BYTES);
    }

    @Test
    void openedFramesOfTheWrongSizeAreNotPlayed() throws Exception {
        Sender browser = browser();
        receiver.accept(talkPart(browser.seal(null, plaintext(new byte[320]))));
        receiver.accept(talkPart(browser.seal(null, plaintext(new byte[642]))));
        receiver.accept(talkPart(browser.seal(null, new byte[640])));
        receiver.accept(talkPart(browser.seal(null, new byte[0])));

        assertThat(receiver.refused(Refusal.BAD_LENGTH)).isEqualTo(4);
        assertThat(speaker.dataBytes()).isZero();
    }

    @Test
    void thePreviousEpochStillTalksDuringTheGracePeriodOnly() throws Exception {
        Sender oldBrowser = browser();
        clock.advance(Duration.ofSeconds(5));
        List<Envelope> envelopes = epochs.rotate(TestHousehold.roster(clients));
        long newEpoch = epochs.currentEpoch().orElseThrow();
        byte[] newKey = clients.get(1).unwrap(envelopes.get(1), newEpoch, 17);

        assertThat(receiver.accept(talkPart(oldBrowser.seal(null, plaintext(pcm(1))))))
                .isTrue();
        Sender newBrowser = browser(newEpoch, 17, "client-" + clients.get(1).id(), newKey);
        assertThat(receiver.accept(talkPart(newBrowser.seal(null, plaintext(pcm(2))))))
                .isTrue();

        clock.advance(MediaEpochs.DEFAULT_TALK_GRACE);
        assertThat(receiver.accept(talkPart(oldBrowser.seal(null, plaintext(pcm(3))))))
                .isFalse();
        assertThat(receiver.accept(talkPart(newBrowser.seal(null, plaintext(pcm(4))))))
                .isTrue();
        assertThat(receiver.refused(Refusal.UNKNOWN_KEY)).isEqualTo(1);
    }

    @Test
    void garbageNeverThrowsAndNeverPlays() throws Exception {
        Random fuzz = new Random(1);
        List<ByteBuffer> messages = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[fuzz.nextInt(900)];
            fuzz.nextBytes(bytes);
            if (bytes.length > 1 && fuzz.nextBoolean()) {
                bytes[0] = 3;
                bytes[1] = (byte) fuzz.nextInt(8);
            }
            messages.add(ByteBuffer.wrap(bytes));
        }
        for (ByteBuffer message : messages) {
            assertThat(receiver.accept(message)).isFalse();
        }
        assertThat(receiver.refusals().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isGreaterThan(1500);
        assertThat(speaker.dataBytes()).isZero();
    }
}
