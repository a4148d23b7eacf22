package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against the real ffmpeg (CI installs it; these tests fail, not skip, without it). */
class FfmpegVideoEncoderTest {

    @BeforeAll
    static void ffmpegIsInstalled() {
        assertThat(VideoEncoders.findOnPath("ffmpeg"))
                .as("ffmpeg on the PATH (apt-get install ffmpeg; .ci/run installs it)")
                .isPresent();
    }

    /** Four coloured quadrants, with a grey box whose position moves with {@code shift}. */
    private static BufferedImage quadrants(int width, int height, int shift) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, width / 2, height / 2);
        g.setColor(Color.GREEN);
        g.fillRect(width / 2, 0, width - width / 2, height / 2);
        g.setColor(Color.BLUE);
        g.fillRect(0, height / 2, width / 2, height - height / 2);
        g.setColor(Color.WHITE);
        g.fillRect(width / 2, height / 2, width - width / 2, height - height / 2);
        g.setColor(Color.GRAY);
        g.fillRect(shift % (width / 4), height / 4, width / 16, height / 16);
        g.dispose();
        return image;
    }

    private static void assertColour(double[] rgb, int r, int g, int b) {
        assertThat(rgb[0]).as("red").isCloseTo(r, within(20.0));
        assertThat(rgb[1]).as("green").isCloseTo(g, within(20.0));
        assertThat(rgb[2]).as("blue").isCloseTo(b, within(20.0));
    }

    @Test
    void aScaledFrameDecodesToThePictureItCameFromOneAccessUnitPerFrame() {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder()) {
            H264TestDecoder decoder = new H264TestDecoder(320, 240);

            // 640x480 in, 320x240 out; every call returns its own frame at once, P frames included.
            for (int i = 0; i < 8; i++) {
                EncodedFrame frame = encoder.encode(quadrants(640, 480, 8 * i), false);
                assertThat(JcodecVideoEncoderTest.nalTypes(frame.accessUnit()))
                        .as("frame " + i)
                        .containsExactlyElementsOf(i == 0 ? List.of(7, 8, 5) : List.of(1));
                BufferedImage decoded = decoder.decode(frame.accessUnit());

                assertThat(decoded.getWidth()).isEqualTo(320);
                assertThat(decoded.getHeight()).isEqualTo(240);
                assertColour(H264TestDecoder.meanRgb(decoded, 100, 10, 50, 40), 255, 0, 0);
                assertColour(H264TestDecoder.meanRgb(decoded, 200, 20, 100, 80), 0, 255, 0);
                assertColour(H264TestDecoder.meanRgb(decoded, 20, 140, 100, 80), 0, 0, 255);
                assertColour(H264TestDecoder.meanRgb(decoded, 200, 140, 100, 80), 255, 255, 255);
            }
        }
    }

    @Test
    void keyframesComeAtTheIntervalAndWhenForcedEachWithSpsAndPps() {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder(160, 120, 10, 5)) {
            H264TestDecoder decoder = new H264TestDecoder(160, 120);
            List<Boolean> keyframes = new ArrayList<>();
            for (int i = 0; i < 13; i++) {
                // Forced at 0 (a fresh process: due anyway) and at 7 (not due: a new process).
                EncodedFrame frame = encoder.encode(quadrants(160, 120, 3 * i), i == 0 || i == 7);
                keyframes.add(frame.keyframe());
                List<Integer> types = JcodecVideoEncoderTest.nalTypes(frame.accessUnit());
                if (frame.keyframe()) {
                    assertThat(types).as("frame " + i).containsExactly(7, 8, 5);
                } else {
                    assertThat(types).as("frame " + i).containsExactly(1);
                }
                // Every frame decodes in sequence, across the restart too.
                BufferedImage decoded = decoder.decode(frame.accessUnit());
                assertColour(H264TestDecoder.meanRgb(decoded, 90, 70, 60, 40), 255, 255, 255);
            }
            // 0 by interval, 5 by interval, 7 forced, then the interval counts from the forced one: 12.
            assertThat(keyframes)
                    .containsExactly(
                            true, false, false, false, false, true, false, true, false, false, false, false, true);
        }
    }

    @Test
    void aForcedKeyframeThatIsDueAnywayKeepsTheProcess() {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder(160, 120, 10, 3)) {
            encoder.encode(quadrants(160, 120, 0), true);
            Process first = encoder.process();
            encoder.encode(quadrants(160, 120, 1), false);
            encoder.encode(quadrants(160, 120, 2), false);
            assertThat(encoder.encode(quadrants(160, 120, 3), true).keyframe()).isTrue();
            assertThat(encoder.process()).isSameAs(first);
            assertThat(encoder.encode(quadrants(160, 120, 4), true).keyframe()).isTrue();
            assertThat(encoder.process()).isNotSameAs(first);
            assertThat(first.isAlive()).as("the replaced process is gone").isFalse();
        }
    }

    @Test
    void aViewerCanStartAtAnyKeyframe() {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder(160, 120, 10, 4)) {
            List<EncodedFrame> frames = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                frames.add(encoder.encode(quadrants(160, 120, 5 * i), false));
            }
            H264TestDecoder late = new H264TestDecoder(160, 120);
            assertThat(frames.get(4).keyframe()).isTrue();
            for (int i = 4; i < 8; i++) {
                BufferedImage decoded = late.decode(frames.get(i).accessUnit());
                assertColour(H264TestDecoder.meanRgb(decoded, 90, 70, 60, 40), 255, 255, 255);
            }
        }
    }

    @Test
    void theProcessIsGoneAfterClose() {
        FfmpegVideoEncoder encoder = new FfmpegVideoEncoder(160, 120, 10, 10);
        assertThat(encoder.process()).as("no process before the first frame").isNull();
        encoder.encode(quadrants(160, 120, 0), false);
        Process process = encoder.process();
        assertThat(process.isAlive()).isTrue();

        encoder.close();

        assertThat(process.isAlive()).isFalse();
        assertThat(encoder.process()).isNull();
        assertThatThrownBy(() -> encoder.encode(quadrants(160, 120, 0), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        encoder.close(); // twice is fine
    }

    @Test
    void aKilledFfmpegGivesAClearErrorNotAHangAndTheNextProcessStartsWithAKeyframe() throws Exception {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder(160, 120, 10, 10)) {
            encoder.encode(quadrants(160, 120, 0), false);
            encoder.encode(quadrants(160, 120, 1), false);
            Process process = encoder.process();
            process.destroyForcibly();
            assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();

            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> encoder.encode(quadrants(160, 120, 2), false))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageStartingWith("ffmpeg video encoder failed: ")
                            .satisfies(e -> System.out.println("killed: " + e.getMessage())));
            assertThat(encoder.process()).isNull();

            // Within the back-off: a quick refusal, no new process.
            assertThatThrownBy(() -> encoder.encode(quadrants(160, 120, 3), true))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not restarting yet");
            Thread.sleep(FfmpegVideoEncoder.RESTART_BACKOFF.toMillis() + 100);

            EncodedFrame next = encoder.encode(quadrants(160, 120, 4), true);
            assertThat(next.keyframe()).isTrue();
            assertThat(new H264TestDecoder(160, 120).decode(next.accessUnit()).getWidth())
                    .isEqualTo(160);
        }
    }

    @Test
    void aStalledFfmpegTimesOutAndIsKilled() throws Exception {
        try (FfmpegVideoEncoder encoder = new FfmpegVideoEncoder("ffmpeg", 320, 240, 10, 10, Duration.ofMillis(700))) {
            encoder.encode(quadrants(320, 240, 0), false);
            Process process = encoder.process();
            // Stopped, not dead: it reads nothing more, so the write of a 230 kB frame blocks on the pipe.
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).start();
            assertThat(stop.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(stop.exitValue()).isZero();

            long start = System.nanoTime();
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> encoder.encode(quadrants(320, 240, 1), false))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("no access unit within 700 ms")
                            .satisfies(e -> System.out.println("stalled: " + e.getMessage())));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            assertThat(process.waitFor(5, TimeUnit.SECONDS)).as("killed").isTrue();
        }
    }

    @Test
    void aMissingExecutableSaysSo() {
        try (FfmpegVideoEncoder encoder =
                new FfmpegVideoEncoder("/nonexistent/ffmpeg", 160, 120, 10, 10, Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> encoder.encode(quadrants(160, 120, 0), false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot start /nonexistent/ffmpeg");
        }
    }

    @Test
    void theFactoryChoosesByName() {
        try (VideoEncoder jcodec = VideoEncoders.create(null);
                VideoEncoder named = VideoEncoders.create(" JCodec ");
                VideoEncoder ffmpeg = VideoEncoders.create("ffmpeg")) {
            assertThat(jcodec).isInstanceOf(JcodecVideoEncoder.class);
            assertThat(named).isInstanceOf(JcodecVideoEncoder.class);
            assertThat(ffmpeg).isInstanceOf(FfmpegVideoEncoder.class);
        }
        assertThatThrownBy(() -> VideoEncoders.create("x265"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown video encoder \"x265\"");
        assertThat(VideoEncoders.findOnPath("no-such-program-doorward")).isEmpty();
    }

    @Test
    void theSystemPropertyChoosesTheEncoder() {
        String before = System.getProperty(VideoEncoders.PROPERTY);
        try {
            System.setProperty(VideoEncoders.PROPERTY, "FFmpeg");
            assertThat(VideoEncoders.configuredChoice()).isEqualTo("ffmpeg");
            try (VideoEncoder encoder = VideoEncoders.configured()) {
                assertThat(encoder).isInstanceOf(FfmpegVideoEncoder.class);
            }
        } finally {
            if (before == null) {
                System.clearProperty(VideoEncoders.PROPERTY);
            } else {
                System.setProperty(VideoEncoders.PROPERTY, before);
            }
        }
    }

    @Test
    void refusesSizesTheEncoderCannotMake() {
        assertThatThrownBy(() -> new FfmpegVideoEncoder(321, 240, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FfmpegVideoEncoder(320, 240, 10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new FfmpegVideoEncoder(640, 480, 10, 10).command()).contains("3.0");
        assertThat(new FfmpegVideoEncoder(1280, 720, 10, 10).command()).contains("3.1");
    }

    /** Per-frame latency of both encoders at the live size, printed for the record (a loose bound only). */
    @Test
    void perFrameLatencyComparedWithJcodec() {
        List<BufferedImage> pictures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pictures.add(quadrants(640, 480, 7 * i));
        }
        try (FfmpegVideoEncoder ffmpeg = new FfmpegVideoEncoder()) {
            JcodecVideoEncoder jcodec = new JcodecVideoEncoder();
            long firstFfmpeg = time(() -> ffmpeg.encode(pictures.get(0), true));
            long restart = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 60; i++) {
                    ffmpeg.encode(pictures.get(i % 10), false);
                    jcodec.encode(pictures.get(i % 10), false);
                }
                restart = time(() -> ffmpeg.encode(pictures.get(1), true)); // a forced keyframe: a new process
            }
            long ffmpegTotal = 0;
            long jcodecTotal = 0;
            int frames = 100;
            for (int i = 0; i < frames; i++) {
                BufferedImage picture = pictures.get(i % 10);
                ffmpegTotal += time(() -> ffmpeg.encode(picture, false));
                jcodecTotal += time(() -> jcodec.encode(picture, false));
            }
            System.out.printf(
                    "per frame at 320x240 (640x480 in): ffmpeg %.2f ms, jcodec %.2f ms; ffmpeg first frame %d ms,"
                            + " forced-keyframe restart %d ms%n",
                    ffmpegTotal / 1e6 / frames,
                    jcodecTotal / 1e6 / frames,
                    firstFfmpeg / 1_000_000,
                    restart / 1_000_000);
            assertThat(ffmpegTotal / frames).isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static long time(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return System.nanoTime() - start;
    }
}
