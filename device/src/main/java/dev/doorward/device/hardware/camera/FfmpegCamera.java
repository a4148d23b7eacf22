package dev.doorward.device.hardware.camera;

import dev.doorward.device.camera.Camera;
import dev.doorward.device.media.FlvVideoReader;
import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import dev.doorward.device.media.VideoFeed;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doorbell's real camera: one supervised ffmpeg process that reads the source (V4L2, RTSP, or its test
 * picture) and writes two outputs. The live stream is H.264 in FLV on its stdout, passed through untouched
 * when the source already gives H.264 ({@code -c copy}) and encoded otherwise; the agent sends it on as it
 * comes ({@link VideoFeed}), adding SPS and PPS in front of a keyframe that lacks them. A decoded side stream
 * of small pictures (5 a second, 640 wide, BMP) goes through a Unix socket in a private directory and serves
 * snapshots, clips and motion ({@link Camera#capture()}).
 *
 * <p>Supervision: when ffmpeg exits, stalls (no access unit for {@link #STALL}) or writes something
 * unreadable, the camera reports itself offline with ffmpeg's last words (credentials removed), shows a
 * "camera offline" picture, and starts ffmpeg again after a growing pause (1 s doubling to 30 s; reset after a
 * run of a minute). Nothing here is on the path from the button to the ring.
 *
 * <p>RTSP credentials never appear on ffmpeg's command line: ffmpeg reads a one-entry ffconcat script with
 * the URL from its stdin ({@link RtspCredentials}).
 *
 * <p>One class: the process, its two outputs and the supervisor share one life cycle (a stall restarts them all, and
 * "offline" is reported once); the FLV reading and credentials are already separate classes.
 */
public final class FfmpegCamera implements Camera, VideoFeed, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FfmpegCamera.class);

    /** The side stream for snapshots and motion. */
    public static final int SIDE_WIDTH = 640;

    public static final int SIDE_FPS = 5;
    /** No access unit for this long while running: ffmpeg is killed and started again. */
    public static final Duration STALL = Duration.ofSeconds(10);

    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_CAP = Duration.ofSeconds(30);
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);
    private static final int MAX_GOP_FRAMES = 600;
    private static final long MAX_GOP_BYTES = 16L * 1024 * 1024;
    private static final int MAX_PICTURE_BYTES = 32 * 1024 * 1024;
    private static final int STDERR_TAIL = 2048;

    /** Whether the camera delivers video, and if not, why (safe to show and log). */
    public record Status(boolean online, String reason) {
        public static Status up() {
            return new Status(true, "");
        }
    }

    private final CameraSettings settings;
    private final Clock clock;
    private final Consumer<Status> statusListener;
    private final RtspCredentials credentials;
    private final Duration backoffBase;
    private final Duration backoffCap;
    private final BufferedImage offlinePicture;

    private final Object lock = new Object();
    // Guarded by lock.
    private boolean closed;
    private Process process;
    private Status status = new Status(false, "starting");
    private long restarts;
    private BufferedImage latest;
    private String codec;
    private List<byte[]> sps = List.of();
    private List<byte[]> pps = List.of();
    private long lastFrameNanos;
    /** Set by the watchdog when it kills a stalled ffmpeg, so the offline reason says so. */
    private String stalledReason;

    // The GOP under way, for the feed; guarded by lock. Sequence numbers count every access unit received.
    private final List<Frame> gop = new ArrayList<>();
    private long gopBytes;
    private long gopFirst;
    private long produced;
    private long consumerNext = -1;
    private long awaitingKeyframeAfter = -1;

    private Thread supervisor;

    /**
     * @param statusListener told every time the camera goes online or offline (on the camera's thread)
     * @throws IllegalArgumentException when an RTSP credentials file cannot be used
     */
    public FfmpegCamera(CameraSettings settings, Clock clock, Consumer<Status> statusListener) {
        this(settings, clock, statusListener, BACKOFF_BASE, BACKOFF_CAP);
    }

    FfmpegCamera(
            CameraSettings settings,
            Clock clock,
            Consumer<Status> statusListener,
            Duration backoffBase,
            Duration backoffCap) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.statusListener = Objects.requireNonNull(statusListener, "statusListener");
        this.backoffBase = backoffBase;
        this.backoffCap = backoffCap;
        this.credentials = settings.source() instanceof CameraSource.Rtsp rtsp && rtsp.credentialsFile() != null
                ? RtspCredentials.read(rtsp.credentialsFile())
                : null;
        this.offlinePicture = offlinePicture();
    }

    /** Starts ffmpeg (and keeps it running until {@link #close()}). */
    public FfmpegCamera start() {
        synchronized (lock) {
            if (supervisor != null) {
                throw new IllegalStateException("already started");
            }
            supervisor = Thread.ofPlatform().daemon().name("camera-supervisor").start(this::supervise);
        }
        Thread.ofPlatform().daemon().name("camera-watchdog").start(this::watchdog);
        return this;
    }

    // ---- what the agent uses

    /** The latest picture of the side stream, or a "camera offline" picture. */
    @Override
    public BufferedImage capture() {
        synchronized (lock) {
            return status.online() && latest != null ? latest : offlinePicture;
        }
    }

    @Override
    public Frame next(boolean fromKeyframe, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            if (fromKeyframe) {
                if (consumerNext <= gopFirst) {
                    consumerNext = gopFirst; // none of this GOP yet: start at its keyframe
                } else {
                    awaitingKeyframeAfter = gopFirst; // in the middle of it: the next keyframe
                }
            }
            while (!closed) {
                if (awaitingKeyframeAfter >= 0 && gopFirst > awaitingKeyframeAfter) {
                    awaitingKeyframeAfter = -1;
                    consumerNext = gopFirst;
                }
                if (awaitingKeyframeAfter < 0) {
                    if (consumerNext < gopFirst) {
                        consumerNext = gopFirst; // frames were lost: the GOP under way starts with a keyframe
                    }
                    int index = (int) (consumerNext - gopFirst);
                    if (index < gop.size()) {
                        consumerNext++;
                        return gop.get(index);
                    }
                }
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, wait);
            }
            return null;
        }
    }

    public Status status() {
        synchronized (lock) {
            return status;
        }
    }

    /** The browser's codec string of the stream ({@code avc1.PPCCLL}, from its SPS), once known. */
    public Optional<String> codec() {
        synchronized (lock) {
            return Optional.ofNullable(codec);
        }
    }

    /** How many times ffmpeg was started again after it stopped. */
    public long restarts() {
        synchronized (lock) {
            return restarts;
        }
    }

    /** The running ffmpeg process, for tests. */
    Optional<ProcessHandle> processHandle() {
        synchronized (lock) {
            return process == null ? Optional.empty() : Optional.of(process.toHandle());
        }
    }

    @Override
    public void close() {
        Process running;
        Thread thread;
        synchronized (lock) {
            closed = true;
            running = process;
            thread = supervisor;
            lock.notifyAll();
        }
        if (running != null) {
            running.destroyForcibly();
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the ffmpeg command

    /** The command line: no secret is ever part of it. */
    List<String> command(Path sideSocket) {
        List<String> c = new ArrayList<>(List.of(settings.ffmpeg(), "-hide_banner", "-loglevel", "error"));
        switch (settings.source()) {
            case CameraSource.Synthetic s ->
                c.addAll(List.of(
                        "-re",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc2=size=" + settings.width() + "x" + settings.height() + ":rate=" + settings.fps()));
            case CameraSource.V4l2 v -> {
                c.addAll(List.of("-f", "v4l2", "-input_format", v.format()));
                c.addAll(List.of("-video_size", settings.width() + "x" + settings.height()));
                c.addAll(List.of(
                        "-framerate",
                        Integer.toString(settings.fps()),
                        "-i",
                        v.device().toString()));
            }
            case CameraSource.Rtsp r ->
                // The URL (with its credentials) comes in on stdin as an ffconcat script; see rtspScript().
                // No "-fflags nobuffer": with a camera whose timestamps are all zero it lets no frame out.
                // ffmpeg hands over each access unit one frame interval late: its H.264 parser ends one only when
                // the next one's first NAL unit arrives, and no option changes that (docs/benchmarks.md).
                c.addAll(List.of(
                        "-f",
                        "concat",
                        "-safe",
                        "0",
                        "-protocol_whitelist",
                        "pipe,rtsp,rtsps,rtp,tcp,udp,tls",
                        "-i",
                        "pipe:0"));
        }
        c.addAll(List.of("-map", "0:v:0", "-an"));
        if (settings.passthrough()) {
            c.addAll(List.of("-c:v", "copy"));
        } else if (settings.encoder().equals(CameraSettings.LIBX264)) {
            c.addAll(List.of(
                    "-c:v",
                    "libx264",
                    "-pix_fmt",
                    "yuv420p",
                    "-preset",
                    "ultrafast",
                    "-tune",
                    "zerolatency",
                    "-g",
                    Integer.toString(settings.fps()),
                    "-bf",
                    "0",
                    "-x264-params",
                    "scenecut=0:repeat-headers=1"));
        } else {
            c.addAll(List.of(
                    "-c:v",
                    settings.encoder(),
                    "-pix_fmt",
                    "yuv420p",
                    "-b:v",
                    "2M",
                    "-g",
                    Integer.toString(settings.fps()),
                    "-bf",
                    "0"));
        }
        c.addAll(List.of("-flush_packets", "1", "-f", "flv", "pipe:1"));
        // Every k-th frame by count, not by time: cameras with broken timestamps still give pictures.
        int every = Math.max(1, Math.round((float) settings.fps() / SIDE_FPS));
        c.addAll(List.of(
                "-map",
                "0:v:0",
                "-an",
                "-vf",
                "select=not(mod(n\\," + every + ")),scale=" + SIDE_WIDTH + ":-2",
                "-fps_mode",
                "passthrough",
                "-c:v",
                "bmp",
                "-f",
                "image2pipe",
                "unix:" + sideSocket));
        return c;
    }

    /** What ffmpeg reads on stdin: for RTSP, the ffconcat script naming the URL; otherwise nothing. */
    String rtspScript() {
        if (!(settings.source() instanceof CameraSource.Rtsp rtsp)) {
            return "";
        }
        String url = credentials == null ? rtsp.url().toString() : credentials.urlWithCredentials(rtsp.url());
        return "ffconcat version 1.0\nfile '" + url + "'\noption rtsp_transport tcp\n";
    }

    // ---- supervision

    private void supervise() {
        int failures = 0;
        while (true) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
            }
            long started = System.nanoTime();
            String reason = runOnce();
            synchronized (lock) {
                if (closed) {
                    return;
                }
                restarts++;
            }
            setStatus(new Status(false, reason));
            if (System.nanoTime() - started > HEALTHY_RUN.toNanos()) {
                failures = 0;
            }
            long delay = Math.min(backoffCap.toMillis(), backoffBase.toMillis() << Math.min(failures, 10));
            failures++;
            log.warn("Camera offline: {}; trying again in {} ms", reason, delay);
            synchronized (lock) {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                for (long wait = until - System.nanoTime(); !closed && wait > 0; wait = until - System.nanoTime()) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Runs ffmpeg until it ends; returns why it ended (safe to show). */
    private String runOnce() {
        Path dir = null;
        ServerSocketChannel side = null;
        Process started = null;
        StderrTail stderr = new StderrTail();
        try {
            // A private (0700) directory: no other local user can reach the socket and its pictures.
            dir = Files.createTempDirectory("doorward-camera");
            Path socket = dir.resolve("side.sock");
            side = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            side.bind(UnixDomainSocketAddress.of(socket));
            started = new ProcessBuilder(command(socket)).start();
            synchronized (lock) {
                if (closed) {
                    started.destroyForcibly();
                    return "closed";
                }
                process = started;
                lastFrameNanos = System.nanoTime();
            }
            log.info("Camera: ffmpeg {} started ({})", started.pid(), describe());
            try (OutputStream stdin = started.getOutputStream()) {
                stdin.write(rtspScript().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // It exited at once; its stderr says why.
            }
            Process running = started;
            Thread.ofPlatform().daemon().name("camera-stderr").start(() -> stderr.drain(running.getErrorStream()));
            ServerSocketChannel sideChannel = side;
            Thread.ofPlatform().daemon().name("camera-side").start(() -> readSide(sideChannel, running));
            String ended = readLive(started.getInputStream());
            synchronized (lock) {
                if (stalledReason != null) {
                    ended = stalledReason;
                    stalledReason = null;
                }
            }
            started.destroyForcibly();
            started.waitFor(2, TimeUnit.SECONDS);
            stderr.awaitEnd();
            String exit = started.isAlive() ? "" : " (exit code " + started.exitValue() + ")";
            String said = stderr.text();
            return ended + exit + (said.isEmpty() ? "" : ": " + redact(said));
        } catch (IOException e) {
            return "cannot start ffmpeg (is it installed?): " + redact(String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            if (started != null) {
                started.destroyForcibly();
            }
            synchronized (lock) {
                process = null;
            }
            closeQuietly(side);
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("side.sock"));
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    log.debug("Camera: could not remove {}", dir);
                }
            }
        }
    }

    /** Kills an ffmpeg that stopped delivering video without exiting (a camera gone quiet on an open socket). */
    private void watchdog() {
        while (true) {
            Process stalled = null;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                if (process != null && System.nanoTime() - lastFrameNanos > STALL.toNanos()) {
                    stalled = process;
                    lastFrameNanos = System.nanoTime();
                }
            }
            if (stalled != null) {
                log.warn("Camera: no video for {} s; stopping ffmpeg {}", STALL.toSeconds(), stalled.pid());
                synchronized (lock) {
                    stalledReason = "no video for " + STALL.toSeconds() + " s";
                }
                stalled.destroyForcibly();
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The FLV stream on ffmpeg's stdout, until it ends. */
    private String readLive(InputStream stdout) {
        try (InputStream in = new BufferedInputStream(stdout, 1 << 16)) {
            FlvVideoReader reader = new FlvVideoReader(in);
            while (true) {
                switch (reader.next()) {
                    case FlvVideoReader.Config config -> parameterSets(config.sps(), config.pps());
                    case FlvVideoReader.AccessUnit au -> accessUnit(au.nals());
                }
            }
        } catch (EOFException e) {
            return "ffmpeg stopped";
        } catch (IOException e) {
            return "unreadable video from ffmpeg (" + e.getMessage() + ")";
        }
    }

    private void parameterSets(List<byte[]> newSps, List<byte[]> newPps) {
        synchronized (lock) {
            if (!newSps.isEmpty()) {
                sps = newSps;
                codec = H264.codecString(newSps.getFirst());
            }
            if (!newPps.isEmpty()) {
                pps = newPps;
            }
        }
    }

    private void accessUnit(List<byte[]> nals) {
        List<byte[]> inBandSps =
                nals.stream().filter(n -> H264.type(n) == H264.NAL_SPS).toList();
        List<byte[]> inBandPps =
                nals.stream().filter(n -> H264.type(n) == H264.NAL_PPS).toList();
        parameterSets(inBandSps, inBandPps);
        boolean keyframe = H264.isKeyframe(nals);
        boolean wentOnline;
        synchronized (lock) {
            List<byte[]> complete = nals;
            if (keyframe && inBandSps.isEmpty() && !sps.isEmpty()) {
                // A viewer can start at any keyframe only if it carries the parameter sets (like dump_extra).
                complete = new ArrayList<>(sps);
                complete.addAll(pps);
                complete.addAll(nals);
            }
            byte[] annexB = H264.annexB(complete);
            Frame frame = new Frame(new EncodedFrame(annexB, keyframe), clock.millis());
            if (keyframe || gopBytes + annexB.length > MAX_GOP_BYTES || gop.size() >= MAX_GOP_FRAMES) {
                gop.clear();
                gopBytes = 0;
                gopFirst = produced;
            }
            if (!gop.isEmpty() || keyframe) {
                gop.add(frame);
                gopBytes += annexB.length;
            } else {
                gopFirst = produced + 1; // no keyframe yet: nobody can start here
            }
            produced++;
            lastFrameNanos = System.nanoTime();
            wentOnline = !status.online();
            lock.notifyAll();
        }
        if (wentOnline) {
            setStatus(Status.up());
        }
    }

    /** The side stream: BMP pictures, each starting with "BM" and its total size. */
    private void readSide(ServerSocketChannel side, Process running) {
        try (SocketChannel channel = side.accept();
                DataInputStream in =
                        new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16))) {
            while (true) {
                byte[] head = new byte[6];
                in.readFully(head);
                if (head[0] != 'B' || head[1] != 'M') {
                    throw new IOException("not a BMP picture");
                }
                int size = (head[2] & 0xff) | (head[3] & 0xff) << 8 | (head[4] & 0xff) << 16 | (head[5] & 0xff) << 24;
                if (size < 54 || size > MAX_PICTURE_BYTES) {
                    throw new IOException("BMP picture of " + size + " bytes");
                }
                byte[] bmp = new byte[size];
                System.arraycopy(head, 0, bmp, 0, 6);
                in.readFully(bmp, 6, size - 6);
                BufferedImage picture = ImageIO.read(new ByteArrayInputStream(bmp));
                if (picture == null) {
                    throw new IOException("undecodable BMP picture");
                }
                synchronized (lock) {
                    latest = picture;
                }
            }
        } catch (IOException e) {
            boolean closing;
            synchronized (lock) {
                closing = closed;
            }
            if (running.isAlive() && !closing) {
                log.warn("Camera: side stream failed ({}); restarting ffmpeg", e.toString());
                running.destroyForcibly();
            }
        }
    }

    private void setStatus(Status next) {
        synchronized (lock) {
            if (next.equals(status)) {
                return;
            }
            status = next;
            if (!next.online()) {
                latest = null;
            }
        }
        if (next.online()) {
            log.info("Camera online ({}, {})", describe(), codec().orElse("codec unknown"));
        }
        try {
            statusListener.accept(next);
        } catch (RuntimeException e) {
            log.warn("Camera status listener failed", e);
        }
    }

    private String redact(String text) {
        return credentials == null ? text : credentials.redact(text);
    }

    /** The source and encoder, without credentials (the RTSP URL in the settings has none). */
    private String describe() {
        String source = switch (settings.source()) {
            case CameraSource.Synthetic s -> "test picture";
            case CameraSource.V4l2 v -> "V4L2 " + v.device() + " " + v.format();
            case CameraSource.Rtsp r -> "RTSP " + redact(r.url().toString());
        };
        return source + ", " + (settings.passthrough() ? "H.264 passed through" : "encoder " + settings.encoder());
    }

    private static BufferedImage offlinePicture() {
        BufferedImage image = new BufferedImage(SIDE_WIDTH, SIDE_WIDTH * 9 / 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(new Color(40, 40, 40));
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 32));
            g.drawString("Camera offline", 40, image.getHeight() / 2);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                // Nothing to do.
            }
        }
    }

    /** The last bytes ffmpeg wrote to stderr. */
    private static final class StderrTail {
        private final byte[] tail = new byte[STDERR_TAIL];
        private long count;
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

        void drain(InputStream err) {
            byte[] buffer = new byte[1024];
            try (err) {
                for (int n = err.read(buffer); n >= 0; n = err.read(buffer)) {
                    synchronized (this) {
                        for (int i = 0; i < n; i++) {
                            tail[(int) (count++ % STDERR_TAIL)] = buffer[i];
                        }
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            } finally {
                ended.countDown();
            }
        }

        void awaitEnd() throws InterruptedException {
            ended.await(1, TimeUnit.SECONDS);
        }

        synchronized String text() {
            int n = (int) Math.min(count, STDERR_TAIL);
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) {
                out[i] = tail[(int) ((count - n + i) % STDERR_TAIL)];
            }
            return new String(out, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\n\\s*", " | ");
        }
    }
}
