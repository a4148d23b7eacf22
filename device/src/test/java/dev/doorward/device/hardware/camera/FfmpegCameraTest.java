package dev.doorward.device.hardware.camera;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.media.VideoFeed;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The camera through the real ffmpeg: its test picture at 720p, and an RTSP doorbell (GStreamer's RTSP
 * server) passed through without re-encoding.
 */
class FfmpegCameraTest {
    private static final String USER = "admin";
    private static final String PASSWORD = "s3cret-door-pass";

    @TempDir
    Path dir;

    private final List<FfmpegCamera.Status> statuses = new CopyOnWriteArrayList<>();

    @Test
    void synthetic720pIsEncodedWithParameterSetsAtEveryKeyframeAndGivesSmallPictures() throws Exception {
        try (FfmpegCamera camera =
                new FfmpegCamera(CameraSettings.synthetic(), Clock.systemUTC(), statuses::add).start()) {
            List<VideoFeed.Frame> frames = take(camera, 32);
            assertThat(frames.getFirst().encoded().keyframe()).isTrue();
            long keyframes = frames.stream().filter(f -> f.encoded().keyframe()).count();
            assertThat(keyframes).as("a keyframe every second at 15 frames/s").isBetween(2L, 3L);
            for (VideoFeed.Frame frame : frames) {
                List<byte[]> nals = H264.nalUnits(frame.encoded().accessUnit());
                if (frame.encoded().keyframe()) {
                    assertThat(nals.stream().map(H264::type)).contains(H264.NAL_SPS, H264.NAL_PPS);
                }
            }
            // Width and height from the SPS are not parsed here; the codec string is: ultrafast x264 is
            // Constrained Baseline (42 C0), level 3.1 (1F) for 720p.
            assertThat(camera.codec()).hasValue("avc1.42C01F");
            assertThat(statuses).contains(FfmpegCamera.Status.up());
            eventually(() -> camera.capture().getWidth() == FfmpegCamera.SIDE_WIDTH);
            BufferedImage small = camera.capture();
            assertThat(small.getHeight()).isEqualTo(360);
        }
    }

    @Test
    void rtspH264PassesThroughBitExactWithTheSourcesProfile() throws Exception {
        Path source = dir.resolve("door.h264");
        // High profile, 720p, a keyframe every 15 frames, parameter sets only at the start (like many cameras).
        run(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1280x720:rate=15",
                "-t",
                "3",
                "-c:v",
                "libx264",
                "-profile:v",
                "high",
                "-preset",
                "veryfast",
                "-g",
                "15",
                "-bf",
                "0",
                "-pix_fmt",
                "yuv420p",
                "-f",
                "h264",
                source.toString());
        List<byte[]> sourceNals = H264.nalUnits(Files.readAllBytes(source));
        List<byte[]> sourceSlices =
                sourceNals.stream().filter(FfmpegCameraTest::isSlice).toList();
        byte[] sourceSps = sourceNals.stream()
                .filter(n -> H264.type(n) == H264.NAL_SPS)
                .findFirst()
                .orElseThrow();

        try (RtspCameraStandIn door = RtspCameraStandIn.file(dir, USER, PASSWORD, source);
                FfmpegCamera camera = new FfmpegCamera(
                                rtsp(door, credentials(USER, PASSWORD)), Clock.systemUTC(), statuses::add)
                        .start()) {
            List<VideoFeed.Frame> frames = take(camera, 40);
            List<byte[]> slices = new ArrayList<>();
            for (VideoFeed.Frame frame : frames) {
                List<byte[]> nals = H264.nalUnits(frame.encoded().accessUnit());
                if (frame.encoded().keyframe()) {
                    // The camera sent SPS and PPS once; the agent puts them in front of every keyframe.
                    assertThat(nals.getFirst()).isEqualTo(sourceSps);
                }
                nals.stream().filter(FfmpegCameraTest::isSlice).forEach(slices::add);
            }
            assertThat(slices).hasSize(40);
            // Bit for bit and in order. A busy machine may make the agent skip frames (it then waits for the next
            // keyframe, as a viewer's decoder must): a skip may only end at a keyframe, never in mid-GOP.
            int at = 0;
            for (int i = 0; i < slices.size(); i++) {
                int expected = at;
                while (at < sourceSlices.size() && !Arrays.equals(sourceSlices.get(at), slices.get(i))) {
                    at++;
                }
                assertThat(at)
                        .as("access unit %d is one of the source's, bit for bit, in order", i)
                        .isLessThan(sourceSlices.size());
                if (at != expected) {
                    assertThat(H264.type(slices.get(i)))
                            .as("access unit %d follows skipped frames, so it is a keyframe", i)
                            .isEqualTo(H264.NAL_IDR);
                }
                at++;
            }
            assertThat(camera.codec()).hasValue(H264.codecString(sourceSps));
            assertThat(camera.codec().orElseThrow()).startsWith("avc1.64"); // High profile, not Baseline
        }
    }

    @Test
    void wrongCredentialsSayTheCameraRefusedThemWithoutRevealingThem() throws Exception {
        String wrong = "wrong-pass-123";
        try (RtspCameraStandIn door = RtspCameraStandIn.live(dir, USER, PASSWORD);
                FfmpegCamera camera = new FfmpegCamera(
                                rtsp(door, credentials(USER, wrong)), Clock.systemUTC(), statuses::add)
                        .start()) {
            eventually(Duration.ofSeconds(15), () -> statuses.stream().anyMatch(s -> !s.online()));
            FfmpegCamera.Status offline = statuses.getFirst();
            assertThat(offline.online()).isFalse();
            assertThat(offline.reason())
                    .contains("401 Unauthorized")
                    .doesNotContain(wrong)
                    .doesNotContain(USER);
            assertThat(camera.capture().getWidth()).as("the offline picture").isEqualTo(FfmpegCamera.SIDE_WIDTH);
        }
    }

    @Test
    void credentialsNeverReachTheCommandLineAndAnExitedFfmpegIsStartedAgain() throws Exception {
        try (RtspCameraStandIn door = RtspCameraStandIn.live(dir, USER, PASSWORD);
                FfmpegCamera camera = new FfmpegCamera(
                                rtsp(door, credentials(USER, PASSWORD)),
                                Clock.systemUTC(),
                                statuses::add,
                                Duration.ofMillis(200),
                                Duration.ofSeconds(1))
                        .start()) {
            assertThat(take(camera, 3)).hasSize(3);
            ProcessHandle ffmpeg = camera.processHandle().orElseThrow();
            String cmdline = Files.readString(Path.of("/proc/" + ffmpeg.pid() + "/cmdline"), StandardCharsets.UTF_8);
            assertThat(cmdline).contains("ffmpeg").doesNotContain(PASSWORD).doesNotContain(USER);
            assertThat(camera.codec().orElseThrow()).startsWith("avc1.64");

            ffmpeg.destroyForcibly(); // the camera disappears
            eventually(() -> statuses.stream().anyMatch(s -> !s.online()));
            assertThat(camera.capture().getWidth()).isEqualTo(FfmpegCamera.SIDE_WIDTH);
            eventually(Duration.ofSeconds(15), () -> camera.status().online() && camera.restarts() == 1);
            // Frames flow again, from a keyframe.
            VideoFeed.Frame first = camera.next(true, Duration.ofSeconds(5));
            assertThat(first).isNotNull();
            assertThat(first.encoded().keyframe()).isTrue();
        }
    }

    @Test
    void aCredentialsFileOthersCanReadIsRefused() throws Exception {
        Path file = credentials(USER, PASSWORD);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        CameraSettings settings = new CameraSettings(
                new CameraSource.Rtsp(java.net.URI.create("rtsp://127.0.0.1:9/door"), file),
                1280,
                720,
                15,
                CameraSettings.COPY,
                "ffmpeg");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new FfmpegCamera(settings, Clock.systemUTC(), statuses::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chmod 600")
                .hasMessageNotContaining(PASSWORD);
    }

    private static boolean isSlice(byte[] nal) {
        int type = H264.type(nal);
        return type == 1 || type == H264.NAL_IDR;
    }

    private static List<VideoFeed.Frame> take(FfmpegCamera camera, int count) throws InterruptedException {
        List<VideoFeed.Frame> frames = new ArrayList<>();
        boolean first = true;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (frames.size() < count && System.nanoTime() < deadline) {
            VideoFeed.Frame frame = camera.next(first, Duration.ofMillis(500));
            if (frame != null) {
                frames.add(frame);
                first = false;
            }
        }
        assertThat(frames)
                .as("frames from the camera; statuses %s", camera.status())
                .hasSize(count);
        return frames;
    }

    private CameraSettings rtsp(RtspCameraStandIn door, Path credentials) {
        return new CameraSettings(
                new CameraSource.Rtsp(door.url(), credentials), 1280, 720, 15, CameraSettings.COPY, "ffmpeg");
    }

    private Path credentials(String user, String password) throws Exception {
        Path file = Files.createTempFile(dir, "camera", ".credentials");
        Files.writeString(file, "user=" + user + "\npassword=" + password + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
