package dev.doorward.device.motion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.device.camera.SyntheticCamera;
import dev.doorward.protocol.testing.MutableClock;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class MotionDetectorTest {
    private static final int W = 640;
    private static final int H = 480;
    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
    /** 10 frames a second. */
    private static final Duration FRAME = Duration.ofMillis(100);

    /** A still, textured scene: a grey wall with a darker door and a lighter window. */
    private static BufferedImage scene(Random noise, int noiseSigma) {
        BufferedImage frame = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        g.setColor(new Color(120, 120, 120));
        g.fillRect(0, 0, W, H);
        g.setColor(new Color(80, 60, 40));
        g.fillRect(260, 120, 120, 300);
        g.setColor(new Color(190, 200, 210));
        g.fillRect(440, 80, 120, 100);
        g.dispose();
        if (noiseSigma > 0) {
            addNoise(frame, noise, noiseSigma);
        }
        return frame;
    }

    private static void addNoise(BufferedImage frame, Random noise, int sigma) {
        for (int y = 0; y < frame.getHeight(); y++) {
            for (int x = 0; x < frame.getWidth(); x++) {
                int rgb = frame.getRGB(x, y);
                int r = clamp(((rgb >> 16) & 0xff) + (int) Math.round(noise.nextGaussian() * sigma));
                int gr = clamp(((rgb >> 8) & 0xff) + (int) Math.round(noise.nextGaussian() * sigma));
                int b = clamp((rgb & 0xff) + (int) Math.round(noise.nextGaussian() * sigma));
                frame.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** The still scene with a box of the given size and colour at (x, y). */
    private static BufferedImage withBox(int x, int y, int size, Color color, Random noise, int noiseSigma) {
        BufferedImage frame = scene(new Random(0), 0);
        Graphics2D g = frame.createGraphics();
        g.setColor(color);
        g.fillRect(x, y, size, size * 2);
        g.dispose();
        if (noiseSigma > 0) {
            addNoise(frame, noise, noiseSigma);
        }
        return frame;
    }

    /** Feeds {@code count} frames at 10 per second starting at {@code start}; returns every motion reported. */
    private static List<Motion> feed(
            MotionDetector detector, Instant start, int count, IntFunction<BufferedImage> frames) {
        List<Motion> seen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            detector.offer(frames.apply(i), start.plus(FRAME.multipliedBy(i))).ifPresent(seen::add);
        }
        return seen;
    }

    /** A dark figure crossing the scene left to right in {@code frames} frames, after {@code still} still ones. */
    private static IntFunction<BufferedImage> walkBy(int still, int frames) {
        return walkBy(still, frames, 150);
    }

    private static IntFunction<BufferedImage> walkBy(int still, int frames, int top) {
        return i -> i < still
                ? scene(null, 0)
                : withBox(-60 + (i - still) * (W + 60) / frames, top, 60, new Color(20, 25, 40), null, 0);
    }

    private static MotionSettings settings(int sensitivity, List<Region> masked, Duration cooldown) {
        return new MotionSettings(sensitivity, masked, cooldown);
    }

    @Test
    void aFigureWalkingByIsMotionWhereItWalks() {
        MotionDetector detector = new MotionDetector(MotionSettings.defaults());

        List<Motion> seen = feed(detector, T0, 40, walkBy(10, 30));

        assertThat(seen).hasSize(1);
        Motion motion = seen.get(0);
        assertThat(motion.score()).isBetween(0.005, 0.2);
        // The figure spans y 150..270 of 480: the box holds that band and not much more.
        assertThat(motion.box().y()).isBetween(140.0 / H, 152.0 / H);
        assertThat(motion.box().y() + motion.box().height()).isBetween(268.0 / H, 290.0 / H);
        assertThat(motion.at()).isAfter(T0.plus(FRAME.multipliedBy(10)));
    }

    @Test
    void aStillSceneIsNotMotion() {
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        BufferedImage still = scene(null, 0);

        assertThat(feed(detector, T0, 100, i -> still)).isEmpty();
    }

    @Test
    void sensorNoiseIsNotMotionEvenAtTheHighestSensitivity() {
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        Random noise = new Random(42);

        assertThat(feed(detector, T0, 30, i -> scene(noise, 12))).isEmpty();
    }

    @Test
    void aFigureInNoiseIsStillFound() {
        MotionDetector detector = new MotionDetector(MotionSettings.defaults());
        Random noise = new Random(7);

        List<Motion> seen = feed(
                detector,
                T0,
                30,
                i -> i < 10
                        ? scene(noise, 12)
                        : withBox(100 + (i - 10) * 20, 150, 60, new Color(20, 25, 40), noise, 12));

        assertThat(seen).hasSize(1);
    }

    @Test
    void scatteredSpecksAreNotMotion() {
        // Rain drops or hot pixels: small bright specks, one grid cell each, never next to each other.
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        Random where = new Random(5);
        IntFunction<BufferedImage> specks = i -> {
            BufferedImage frame = scene(null, 0);
            if (i >= 10) {
                Graphics2D g = frame.createGraphics();
                g.setColor(Color.WHITE);
                for (int n = 0; n < 40; n++) {
                    int cellX = 3 * where.nextInt(MotionDetector.GRID_WIDTH / 3);
                    int cellY = 3 * where.nextInt(MotionDetector.GRID_HEIGHT / 3);
                    g.fillRect(cellX * 8, cellY * 8, 8, 8);
                }
                g.dispose();
            }
            return frame;
        };

        assertThat(feed(detector, T0, 30, specks)).isEmpty();
    }

    @Test
    void theWholeSceneGettingBrighterIsNotMotion() {
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        BufferedImage dim = scene(null, 0);
        BufferedImage bright = scene(null, 0);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int rgb = dim.getRGB(x, y);
                int r = clamp(((rgb >> 16) & 0xff) + 30);
                int g = clamp(((rgb >> 8) & 0xff) + 30);
                int b = clamp((rgb & 0xff) + 30);
                bright.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }

        assertThat(feed(detector, T0, 40, i -> i < 10 ? dim : bright)).isEmpty();
    }

    @Test
    void motionInAMaskedZoneIsIgnoredButNotElsewhere() {
        // The figure walks in the top half (y 60..180 of 480); mask the top half.
        Region topHalf = new Region(0, 0, 1, 0.5);
        MotionDetector masked = new MotionDetector(settings(100, List.of(topHalf), Duration.ZERO));
        assertThat(feed(masked, T0, 40, walkBy(10, 30, 60))).isEmpty();

        // The same settings still see a figure in the bottom half.
        MotionDetector sameMask = new MotionDetector(settings(100, List.of(topHalf), Duration.ZERO));
        List<Motion> below = feed(
                sameMask,
                T0,
                40,
                i -> i < 10 ? scene(null, 0) : withBox(-60 + (i - 10) * 24, 300, 60, new Color(20, 25, 40), null, 0));
        assertThat(below).isNotEmpty();
        assertThat(below).allSatisfy(m -> assertThat(m.box().y()).isGreaterThanOrEqualTo(0.5));

        // And without the mask the top-half walk is seen.
        MotionDetector unmasked = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        assertThat(feed(unmasked, T0, 40, walkBy(10, 30, 60))).isNotEmpty();
    }

    @Test
    void changingTheMaskTakesEffectAtOnce() {
        MotionDetector detector = new MotionDetector(settings(50, List.of(), Duration.ZERO));
        feed(detector, T0, 10, i -> scene(null, 0));
        detector.update(detector.settings().withMaskedZones(List.of(Region.whole())));

        assertThat(feed(detector, T0.plusSeconds(1), 30, i -> walkBy(0, 30).apply(i)))
                .isEmpty();
    }

    @Test
    void oneWalkByIsOneEventAndTheNextOneAfterTheCooldownIsAnother() {
        MotionDetector detector = new MotionDetector(settings(50, List.of(), Duration.ofSeconds(30)));

        // 4 s of walking is reported once, although every frame of it shows motion.
        assertThat(feed(detector, T0, 50, walkBy(10, 40))).hasSize(1);
        // A second walk 10 s later falls inside the cooldown.
        assertThat(feed(detector, T0.plusSeconds(10), 50, walkBy(10, 40))).isEmpty();
        // One 40 s after the first is reported again.
        assertThat(feed(detector, T0.plusSeconds(40), 50, walkBy(10, 40))).hasSize(1);
    }

    @Test
    void withoutCooldownEveryConfirmedFrameIsReported() {
        MotionDetector detector = new MotionDetector(settings(50, List.of(), Duration.ZERO));

        assertThat(feed(detector, T0, 40, walkBy(10, 30))).hasSizeGreaterThan(20);
    }

    @Test
    void aSingleGlitchedFrameIsNotMotion() {
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));

        assertThat(feed(detector, T0, 30, i -> i == 15 ? withBox(200, 150, 60, Color.BLACK, null, 0) : scene(null, 0)))
                .isEmpty();
    }

    @Test
    void sensitivityZeroIsOff() {
        MotionDetector detector = new MotionDetector(settings(0, List.of(), Duration.ZERO));

        assertThat(feed(detector, T0, 40, walkBy(10, 30))).isEmpty();
    }

    @Test
    void higherSensitivityNeverSeesLessAndTheEndsDiffer() {
        // Scenarios from large and strong to small and faint.
        int[] sizes = {8, 12, 16, 24, 40, 64, 100};
        int[] contrasts = {8, 12, 20, 35, 60, 100};
        int[] sensitivities = {1, 10, 25, 50, 75, 90, 100};
        int[] detectedCount = new int[sensitivities.length];
        BufferedImage still = scene(null, 0);
        for (int size : sizes) {
            for (int contrast : contrasts) {
                Color color = new Color(120 + contrast, 120 + contrast, 120 + contrast);
                // On the plain wall part of the scene (left of the door).
                List<BufferedImage> frames = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    frames.add(i < 3 ? still : withBox(20 + (i - 3) * 2, 60, size, color, null, 0));
                }
                boolean previous = false;
                for (int s = 0; s < sensitivities.length; s++) {
                    MotionDetector detector = new MotionDetector(settings(sensitivities[s], List.of(), Duration.ZERO));
                    boolean detected =
                            !feed(detector, T0, frames.size(), frames::get).isEmpty();
                    if (previous) {
                        assertThat(detected)
                                .as("size %d contrast %d sensitivity %d", size, contrast, sensitivities[s])
                                .isTrue();
                    }
                    previous = detected;
                    if (detected) {
                        detectedCount[s]++;
                    }
                }
            }
        }
        assertThat(detectedCount[0]).isLessThan(detectedCount[sensitivities.length - 1]);
        assertThat(detectedCount[0]).isPositive();
    }

    @Test
    void aLongGapRestartsFromTheNewestFrame() {
        MotionDetector detector = new MotionDetector(settings(100, List.of(), Duration.ZERO));
        feed(detector, T0, 10, i -> scene(null, 0));
        // The camera was off for a minute; meanwhile a parcel was put down. Not motion: nothing moved while
        // we were looking.
        BufferedImage parcel = withBox(300, 300, 60, Color.ORANGE, null, 0);

        assertThat(feed(detector, T0.plusSeconds(60), 20, i -> parcel)).isEmpty();
    }

    @Test
    void somethingThatStaysIsAbsorbedIntoTheBackground() {
        MotionDetector detector = new MotionDetector(settings(50, List.of(), Duration.ZERO));
        feed(detector, T0, 10, i -> scene(null, 0));
        BufferedImage parked = withBox(100, 200, 100, Color.RED, null, 0);

        List<Motion> first = feed(detector, T0.plusSeconds(1), 20, i -> parked);
        assertThat(first).isNotEmpty();
        // Standing there for a minute: sooner or later it is part of the scene.
        feed(detector, T0.plusSeconds(3), 600, i -> parked);
        assertThat(feed(detector, T0.plusSeconds(63), 20, i -> parked)).isEmpty();
    }

    @Test
    void framesOfOtherSizesWork() {
        MotionDetector detector = new MotionDetector(settings(50, List.of(), Duration.ZERO));
        BufferedImage still = new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB);
        BufferedImage moved = new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = moved.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(600, 300, 200, 300);
        g.dispose();

        assertThat(feed(detector, T0, 5, i -> still)).isEmpty();
        assertThat(feed(detector, T0.plusMillis(500), 5, i -> moved)).isNotEmpty();
        assertThatThrownBy(() -> detector.offer(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyPixelLayoutGivesTheSameLuma() {
        BufferedImage rgb = withBox(100, 100, 60, new Color(200, 30, 90), new Random(3), 20);
        float[] expected = MotionDetector.lumaGrid(rgb);
        for (int type :
                new int[] {BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_BGR}) {
            BufferedImage other = new BufferedImage(W, H, type);
            Graphics2D g = other.createGraphics();
            g.drawImage(rgb, 0, 0, null);
            g.dispose();
            assertThat(MotionDetector.lumaGrid(other)).as("type %d", type).containsExactly(expected);
        }
        // Mean luma of a flat grey cell is that grey.
        assertThat(MotionDetector.lumaGrid(scene(null, 0))[0]).isCloseTo(120f, org.assertj.core.data.Offset.offset(1f));
    }

    @Test
    void theSimulatorsWalkerIsMotionOnceItsOwnAnimationIsMasked() {
        MutableClock clock = new MutableClock(T0);
        SyntheticCamera camera = new SyntheticCamera(clock, "DW-TEST-0001");
        camera.setBarsMoving(false);
        List<Region> mask = SyntheticCamera.animatedAreas().stream()
                .map(r -> Region.ofPixels(r, SyntheticCamera.WIDTH, SyntheticCamera.HEIGHT))
                .toList();
        MotionDetector detector = new MotionDetector(settings(50, mask, Duration.ofSeconds(30)));

        // The clock ticks and the box bounces for 5 s: masked, so nothing.
        assertThat(run(detector, camera, clock, 50)).isEmpty();
        camera.walkBy(Duration.ofSeconds(4));
        assertThat(camera.walking()).isTrue();
        List<Motion> seen = run(detector, camera, clock, 50);
        assertThat(camera.walking()).isFalse();
        assertThat(seen).hasSize(1);
        assertThat(mask).noneMatch(zone -> zone.contains(seen.get(0).box()));

        // Unmasked, the simulator's own animation would be motion all the time.
        MotionDetector unmasked = new MotionDetector(settings(50, List.of(), Duration.ZERO));
        assertThat(run(unmasked, camera, clock, 30)).isNotEmpty();
    }

    private static List<Motion> run(MotionDetector detector, SyntheticCamera camera, MutableClock clock, int frames) {
        List<Motion> seen = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            clock.advance(FRAME);
            Optional<Motion> motion = detector.offer(camera.capture(), clock.instant());
            motion.ifPresent(seen::add);
        }
        return seen;
    }
}
