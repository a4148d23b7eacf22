package dev.doorward.crypto.sframe;

import static dev.doorward.crypto.sframe.SFrameContextTest.assertRejected;
import static dev.doorward.crypto.sframe.SFrameContextTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.sframe.SFrameException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SenderReceiverTest {

    @Test
    void theSenderCountsUpFromZeroAndNeverRepeats() throws SFrameException {
        Sender sender = new Sender(new SFrameContext(CipherSuite.DEFAULT, 3, randomBytes(16)));
        assertThat(sender.nextCounter()).isZero();
        for (long expected = 0; expected < 300; expected++) {
            byte[] sealed = sender.seal(null, new byte[] {1});
            assertThat(SFrameHeader.decode(sealed).counter()).isEqualTo(expected);
            assertThat(SFrameHeader.decode(sealed).kid()).isEqualTo(3);
        }
        assertThat(sender.nextCounter()).isEqualTo(300);
    }

    @Test
    void concurrentSealingNeverReusesACounter() throws Exception {
        Sender sender = new Sender(new SFrameContext(CipherSuite.DEFAULT, 3, randomBytes(16)));
        Set<Long> counters = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        counters.add(SFrameHeader.decode(sender.seal(null, new byte[8]))
                                .counter());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counters).hasSize(2000);
        assertThat(sender.nextCounter()).isEqualTo(2000);
    }

    @Test
    void theSenderRefusesToWrapAround() throws SFrameException {
        Sender sender = new Sender(new SFrameContext(CipherSuite.DEFAULT, 3, randomBytes(16)), -2L);
        assertThat(SFrameHeader.decode(sender.seal(null, new byte[0])).counter())
                .isEqualTo(-2L);
        assertThat(SFrameHeader.decode(sender.seal(null, new byte[0])).counter())
                .isEqualTo(-1L);
        assertThat(sender.exhausted()).isTrue();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> sender.seal(null, new byte[0]))
                    .isInstanceOf(SFrameException.class)
                    .satisfies(e -> assertThat(((SFrameException) e).reason()).isEqualTo(Reason.COUNTER_EXHAUSTED));
        }
    }

    @Test
    void theReceiverOpensInOrderAndOutOfOrderFramesOnce() throws SFrameException {
        byte[] key = randomBytes(16);
        Sender sender = new Sender(new SFrameContext(CipherSuite.DEFAULT, 9, key));
        Receiver receiver = new Receiver();
        receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 9, key));
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            frames.add(sender.seal(null, new byte[] {(byte) i}));
        }
        // 0..9 in order, then 20..29, then the late 10..19 (within the window)
        for (int i : range(0, 10)) {
            assertThat(receiver.open(frames.get(i), null)).containsExactly(i);
        }
        for (int i : range(20, 30)) {
            assertThat(receiver.open(frames.get(i), null)).containsExactly(i);
        }
        for (int i : range(10, 20)) {
            assertThat(receiver.open(frames.get(i), null)).containsExactly(i);
        }
        // Every one of them again is a replay.
        for (int i : range(0, 30)) {
            byte[] again = frames.get(i);
            assertRejected(() -> receiver.open(again, null), Set.of(Reason.REPLAYED));
        }
        // Jump ahead: 99 accepted; 35 is exactly the window's edge (99 - 64), 36 the oldest still allowed.
        assertThat(receiver.open(frames.get(99), null)).containsExactly(99);
        assertRejected(() -> receiver.open(frames.get(35), null), Set.of(Reason.TOO_OLD));
        assertRejected(() -> receiver.open(frames.get(29), null), Set.of(Reason.TOO_OLD));
        assertThat(receiver.open(frames.get(36), null)).containsExactly(36);
        assertRejected(() -> receiver.open(frames.get(36), null), Set.of(Reason.REPLAYED));
        assertRejected(() -> receiver.open(frames.get(99), null), Set.of(Reason.REPLAYED));
    }

    @Test
    void forgedFramesDoNotMoveTheWindow() throws SFrameException {
        byte[] key = randomBytes(16);
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, 1, key);
        Receiver receiver = new Receiver();
        receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 1, key));
        byte[] first = context.seal(0, null, new byte[] {1});
        // An attacker's frame with a huge counter but no valid tag...
        byte[] forged = SFrameContextTest.randomBytes(40);
        byte[] header = SFrameHeader.of(1, 1_000_000).encode();
        System.arraycopy(header, 0, forged, 0, header.length);
        assertRejected(() -> receiver.open(forged, null), Set.of(Reason.AUTHENTICATION_FAILED));
        // ...and a tampered copy of a real frame...
        byte[] tampered = first.clone();
        tampered[tampered.length - 1] ^= 1;
        assertRejected(() -> receiver.open(tampered, null), Set.of(Reason.AUTHENTICATION_FAILED));
        // ...leave the real frame openable.
        assertThat(receiver.open(first, null)).containsExactly(1);
    }

    @Test
    void eachKidHasItsOwnKeyAndWindow() throws SFrameException {
        byte[] epoch1 = SFrameContext.senderKey(randomBytes(32), "device-video");
        byte[] epoch2 = SFrameContext.senderKey(randomBytes(32), "device-video");
        Sender old = new Sender(new SFrameContext(CipherSuite.DEFAULT, 1, epoch1));
        Sender rotated = new Sender(new SFrameContext(CipherSuite.DEFAULT, 2, epoch2));
        Receiver receiver = new Receiver();
        receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 1, epoch1));

        byte[] fromNewEpoch = rotated.seal(null, new byte[] {2});
        assertRejected(() -> receiver.open(fromNewEpoch, null), Set.of(Reason.UNKNOWN_KEY));
        receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 2, epoch2));
        // Counter 0 in both epochs: separate windows.
        assertThat(receiver.open(old.seal(null, new byte[] {1}), null)).containsExactly(1);
        assertThat(receiver.open(fromNewEpoch, null)).containsExactly(2);

        assertThatThrownBy(() -> receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 2, epoch2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(receiver.removeKey(1)).isTrue();
        byte[] late = old.seal(null, new byte[] {3});
        assertRejected(() -> receiver.open(late, null), Set.of(Reason.UNKNOWN_KEY));
        assertThat(receiver.hasKey(2)).isTrue();
    }

    @Test
    void sendersWithTheSameEpochDoNotShareNonces() throws SFrameException {
        byte[] epochKey = randomBytes(32);
        Sender video = new Sender(
                new SFrameContext(CipherSuite.DEFAULT, 7, SFrameContext.senderKey(epochKey, "device-video")));
        Sender audio = new Sender(
                new SFrameContext(CipherSuite.DEFAULT, 7, SFrameContext.senderKey(epochKey, "device-audio")));
        byte[] plaintext = new byte[32];
        byte[] v = video.seal(null, plaintext);
        byte[] a = audio.seal(null, plaintext);
        // Same KID, same counter, same plaintext, different key stream.
        assertThat(SFrameHeader.decode(v)).isEqualTo(SFrameHeader.decode(a));
        assertThat(v).isNotEqualTo(a);
        Receiver videoReceiver = new Receiver();
        videoReceiver.addKey(
                new SFrameContext(CipherSuite.DEFAULT, 7, SFrameContext.senderKey(epochKey, "device-video")));
        assertRejected(() -> videoReceiver.open(a, null), Set.of(Reason.AUTHENTICATION_FAILED));
        assertThat(videoReceiver.open(v, null)).isEqualTo(plaintext);
    }

    @Test
    void windowHandlesTheTopOfTheCounterRange() throws SFrameException {
        byte[] key = randomBytes(16);
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, 1, key);
        Receiver receiver = new Receiver();
        receiver.addKey(new SFrameContext(CipherSuite.DEFAULT, 1, key));
        assertThat(receiver.open(context.seal(5, null, new byte[] {5}), null)).containsExactly(5);
        assertThat(receiver.open(context.seal(-1L, null, new byte[] {9}), null)).containsExactly(9);
        assertRejected(() -> receiver.open(context.seal(6, null, new byte[0]), null), Set.of(Reason.TOO_OLD));
        assertThat(receiver.open(context.seal(-2L, null, new byte[] {8}), null)).containsExactly(8);
        assertRejected(() -> receiver.open(context.seal(-1L, null, new byte[0]), null), Set.of(Reason.REPLAYED));
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }
}
