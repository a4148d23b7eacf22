package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.device.Eventually;
import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.protocol.MediaPart;
import dev.doorward.protocol.testing.MutableClock;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LiveStreamerTest {
    private final MutableClock clock = new MutableClock();
    private final MediaEpochs epochs = new MediaEpochs(TestHousehold.DEVICE_ID, clock, TestHousehold.RANDOM);
    private final List<ByteBuffer> wire = new CopyOnWriteArrayList<>();
    private final CountingCamera camera = new CountingCamera(new SyntheticCamera(clock, "DW-TEST-0002"));
    private LiveStreamer streamer;

    @AfterEach
    void stop() {
        if (streamer != null) {
            streamer.close();
        }
    }

    private LiveStreamer manual() {
        return LiveStreamer.builder(camera, new JcodecVideoEncoder(160, 120, 10), epochs, wire::add)
                .clock(clock)
                .threadFactory(null)
                .build();
    }

    private void rotate() {
        epochs.rotate(TestHousehold.roster(List.of(TestHousehold.client())));
    }

    @Test
    void nothingIsCapturedEncodedOrSentWhileNobodyWatches() {
        rotate();
        streamer = manual();
        streamer.videoTick();
        streamer.videoTick();
        streamer.setViewers(1);
        streamer.setViewers(0);
        streamer.videoTick();

        assertThat(camera.captures).hasValue(0);
        assertThat(wire).isEmpty();
        assertThat(streamer.stats().videoFrames()).isZero();
    }

    @Test
    void withoutAnEpochKeyThereIsNoPictureAtAll() {
        streamer = manual();
        streamer.setViewers(3);
        streamer.videoTick();

        assertThat(wire).isEmpty();
        assertThat(camera.captures).hasValue(0);

        rotate();
        streamer.videoTick();
        assertThat(wire).hasSize(1);
    }

    @Test
    void bigFramesAreCutIntoPartsOfAtMost8KiBFlaggedAsTheFrameIs() {
        rotate();
        // Noise does not compress: a 640x480 keyframe of it is far larger than one part.
        Random random = new Random(7);
        BufferedImage noise = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 640; x++) {
                noise.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        streamer = LiveStreamer.builder(() -> noise, new JcodecVideoEncoder(640, 480, 10), epochs, wire::add)
                .clock(clock)
                .threadFactory(null)
                .build();
        streamer.setViewers(1);
        streamer.videoTick();

        assertThat(wire.size()).isGreaterThan(3);
        for (int i = 0; i < wire.size(); i++) {
            assertThat(wire.get(i).remaining()).isLessThanOrEqualTo(MediaPart.MAX_BYTES);
            MediaPart part = MediaPart.decode(wire.get(i));
            assertThat(part.kind()).isEqualTo(MediaPart.Kind.VIDEO);
            assertThat(part.keyframe()).isTrue();
            assertThat(part.first()).isEqualTo(i == 0);
            assertThat(part.last()).isEqualTo(i == wire.size() - 1);
        }
        wire.clear();
        streamer.videoTick();
        assertThat(wire)
                .allSatisfy(m -> assertThat(MediaPart.decode(m).keyframe()).isFalse());
    }

    @Test
    void aNewSessionStartsWithAKeyframeAndForgetsTheOldGop() {
        rotate();
        streamer = manual();
        streamer.setViewers(1);
        streamer.videoTick();
        streamer.videoTick();
        streamer.videoTick();
        streamer.setViewers(0);
        streamer.setViewers(1);
        wire.clear();
        streamer.videoTick();

        assertThat(wire).hasSize(1);
        assertThat(MediaPart.decode(wire.get(0)).keyframe()).isTrue();
        wire.clear();
        // A second viewer now gets only the new session's keyframe again, then the next frame.
        streamer.setViewers(2);
        streamer.videoTick();
        assertThat(wire).hasSize(2);
        assertThat(MediaPart.decode(wire.get(0)).keyframe()).isTrue();
        assertThat(MediaPart.decode(wire.get(1)).keyframe()).isFalse();
        assertThat(streamer.stats().keyframes()).isEqualTo(2);
    }

    @Test
    void aGopLargerThanTheCacheIsNotHalfCachedButRestartedWithAKeyframe() {
        rotate();
        streamer = LiveStreamer.builder(camera, new JcodecVideoEncoder(160, 120, 100), epochs, wire::add)
                .clock(clock)
                .threadFactory(null)
                .maxGopBytes(MediaPart.MAX_BYTES)
                .build();
        streamer.setViewers(1);
        int keyframes = 0;
        for (int i = 0; i < 40; i++) {
            clock.advance(Duration.ofMillis(100));
            streamer.videoTick();
        }
        for (ByteBuffer message : wire) {
            if (MediaPart.decode(message).keyframe()) {
                keyframes++;
            }
        }
        // Far more keyframes than the interval of 100 would give, because the 8 KiB cache keeps filling up.
        assertThat(keyframes).isGreaterThan(1);
        wire.clear();
        streamer.setViewers(2);
        streamer.videoTick();
        // Whatever is resent starts with a keyframe.
        assertThat(MediaPart.decode(wire.get(0)).keyframe()).isTrue();
    }

    @Test
    void refusesANegativeViewerCount() {
        streamer = manual();
        assertThatThrownBy(() -> streamer.setViewers(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void threadsStreamAtTheFrameRateAndStopWhenNobodyWatches() throws Exception {
        rotate();
        SyntheticMicrophone microphone = new SyntheticMicrophone(Clock.systemUTC());
        streamer = LiveStreamer.builder(camera, new JcodecVideoEncoder(160, 120, 20), epochs, wire::add)
                .microphone(microphone)
                .fps(20)
                .build();

        streamer.setViewers(1);
        Thread.sleep(1000);
        streamer.setViewers(0);
        Thread.sleep(200);

        int captures = camera.captures.get();
        long audio = streamer.stats().audioFrames();
        // 20 frames/s and 50 audio frames/s for a second, with room for a slow test machine.
        assertThat(captures).isBetween(10, 22);
        assertThat(audio).isBetween(25L, 52L);
        long videoParts = wire.stream()
                .filter(m -> MediaPart.decode(m).kind() == MediaPart.Kind.VIDEO)
                .count();
        assertThat(videoParts).isGreaterThanOrEqualTo(captures);

        Thread.sleep(300);
        assertThat(camera.captures).hasValue(captures);
        assertThat(streamer.stats().audioFrames()).isEqualTo(audio);

        // And it starts again.
        streamer.setViewers(2);
        Eventually.eventually(() -> camera.captures.get() > captures);
    }

    @Test
    void aSlowCameraOrEncoderDropsFramesInsteadOfQueuingThem() throws Exception {
        rotate();
        camera.delay = Duration.ofMillis(120);
        streamer = LiveStreamer.builder(camera, new JcodecVideoEncoder(160, 120, 20), epochs, wire::add)
                .fps(20)
                .build();

        streamer.setViewers(1);
        Thread.sleep(1000);
        camera.delay = Duration.ZERO;
        int slow = camera.captures.get();
        Thread.sleep(300);
        int after = camera.captures.get() - slow;
        streamer.setViewers(0);

        // At most one frame per 120 ms, and slots were dropped rather than kept.
        assertThat(slow).isBetween(5, 10);
        assertThat(streamer.stats().droppedSlots()).isGreaterThan(5);
        // Once fast again it runs at the frame rate, not in a burst to make up for the missed slots.
        assertThat(after).isBetween(3, 8);
    }
}
