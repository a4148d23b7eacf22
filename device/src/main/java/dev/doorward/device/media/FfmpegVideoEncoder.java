package dev.doorward.device.media;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * H.264 Baseline from an external {@code ffmpeg} (libx264), for doorbells where the pure-Java
 * {@link JcodecVideoEncoder} is too slow or too large a picture is wanted. One long-lived process per
 * stream: raw BGR frames, scaled here to the configured size, go in on its stdin; libx264 runs with
 * {@code -tune zerolatency} (no B frames, no lookahead, one thread, no scene cuts), so every frame written
 * comes back as exactly one access unit before the next one is written.
 *
 * <p>Framing: ffmpeg writes FLV to stdout, a container made for live streaming whose tags carry an explicit
 * length, so an access unit is known to be complete as soon as its tag is, without waiting for the next
 * frame's start code (an Annex B stream with access unit delimiters would cost a frame of latency). The
 * length-prefixed NAL units of each tag are turned back into Annex B here. {@code repeat-headers=1} keeps SPS
 * and PPS in front of every IDR; x264's SEI (its version string) and any delimiters are dropped.
 *
 * <p>Forced keyframes: x264's keyframe schedule cannot be changed in a running process
 * ({@code -force_key_frames} is fixed at start and sees only frame numbers and times), so a forced
 * keyframe that is not due anyway restarts the process, whose first frame is an IDR. Measured on the
 * development machine at 320x240: about 2 ms a frame in a running process (jcodec: about 6 ms), about 60 ms
 * for the first frame of a new one. Forced keyframes are rare (a new live session, a new media epoch, after a failure),
 * and the streamer drops the slots a slow frame takes, so the restart is cheaper than keeping a second,
 * idle process on the doorbell.
 *
 * <p>Never blocks for long: every frame has a deadline ({@link #DEFAULT_FRAME_TIMEOUT}); when ffmpeg stalls,
 * dies or writes something unexpected, {@code encode} kills the process and throws an
 * {@link IllegalStateException} that quotes the end of ffmpeg's stderr, and the next call starts a new
 * process (at most once a second). {@link #close()} kills the process. Arguments are a fixed list built from
 * numbers, never a shell. Not thread-safe, except that {@code close} may be called from any thread.
 *
 * <p>One class: the process, its FLV reader and the per-frame deadline share one life cycle (a stall kills and
 * restarts all of them together); the FLV tag parsing is already {@link FlvVideoReader}.
 */
public final class FfmpegVideoEncoder implements VideoEncoder {
    private static final Logger log = LoggerFactory.getLogger(FfmpegVideoEncoder.class);

    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(5);
    /** Extra time for the first frame of a new process, which includes ffmpeg's start. */
    static final Duration STARTUP_ALLOWANCE = Duration.ofSeconds(5);
    /** How long after a failure no new process is started (a missing or broken ffmpeg fails fast). */
    static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);

    private static final int STDERR_TAIL_BYTES = 4096;
    private static final int NAL_SEI = 6;
    private static final int NAL_AUD = 9;
    private static final int NAL_IDR = 5;

    /** Kills a process whose frame is overdue, which also ends a write blocked on its full stdin pipe. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final String executable;
    private final int width;
    private final int height;
    private final int fps;
    private final int keyframeInterval;
    private final Duration frameTimeout;
    private final BufferedImage scaled;
    private final byte[] bgr;

    private final Object lock = new Object();
    // Guarded by lock.
    private Session session;
    private boolean closed;

    private long lastFailure = Long.MIN_VALUE;
    private boolean failedBefore;

    /** 320x240, a keyframe every 2 s at 10 frames/s, {@code ffmpeg} from the PATH. */
    public FfmpegVideoEncoder() {
        this(
                JcodecVideoEncoder.DEFAULT_WIDTH,
                JcodecVideoEncoder.DEFAULT_HEIGHT,
                JcodecVideoEncoder.DEFAULT_FPS,
                JcodecVideoEncoder.DEFAULT_FPS * JcodecVideoEncoder.DEFAULT_KEYFRAME_SECONDS);
    }

    /**
     * @param width even, 16 to 1920
     * @param height even, 16 to 1088
     * @param fps the rate frames are encoded at (rate control and timestamps)
     * @param keyframeInterval frames from one keyframe to the next (1 = every frame a keyframe)
     */
    public FfmpegVideoEncoder(int width, int height, int fps, int keyframeInterval) {
        this("ffmpeg", width, height, fps, keyframeInterval, DEFAULT_FRAME_TIMEOUT);
    }

    FfmpegVideoEncoder(String executable, int width, int height, int fps, int keyframeInterval, Duration frameTimeout) {
        if (width < 16 || height < 16 || width > 1920 || height > 1088 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("picture size must be even, 16x16 to 1920x1088");
        }
        if (fps < 1 || fps > 60) {
            throw new IllegalArgumentException("1 to 60 frames per second");
        }
        if (keyframeInterval < 1) {
            throw new IllegalArgumentException("keyframe interval must be at least 1");
        }
        if (frameTimeout.isNegative() || frameTimeout.isZero()) {
            throw new IllegalArgumentException("frame timeout must be positive");
        }
        this.executable = Objects.requireNonNull(executable, "executable");
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.keyframeInterval = keyframeInterval;
        this.frameTimeout = frameTimeout;
        this.scaled = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        // TYPE_3BYTE_BGR stores exactly ffmpeg's bgr24: B, G, R per pixel, rows without padding.
        this.bgr = ((DataBufferByte) scaled.getRaster().getDataBuffer()).getData();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int keyframeInterval() {
        return keyframeInterval;
    }

    /** The ffmpeg command line (without the executable's path lookup); fixed by the constructor's numbers. */
    List<String> command() {
        int macroblocks = ((width + 15) / 16) * ((height + 15) / 16);
        // The lowest level whose frame size fits: 3.0 (what browsers are told, avc1.42E01E) up to 640x480.
        String level = macroblocks <= 1620 ? "3.0" : macroblocks <= 3600 ? "3.1" : "4.0";
        return List.of(
                executable,
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "error",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "bgr24",
                "-s",
                width + "x" + height,
                "-r",
                Integer.toString(fps),
                "-i",
                "pipe:0",
                "-an",
                "-pix_fmt",
                "yuv420p",
                "-c:v",
                "libx264",
                "-profile:v",
                "baseline",
                "-level",
                level,
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-threads",
                "1",
                "-g",
                Integer.toString(keyframeInterval),
                "-bf",
                "0",
                "-x264-params",
                "keyint=" + keyframeInterval + ":min-keyint=" + keyframeInterval
                        + ":scenecut=0:bframes=0:repeat-headers=1",
                "-flush_packets",
                "1",
                "-f",
                "flv",
                "pipe:1");
    }

    @Override
    public EncodedFrame encode(BufferedImage image, boolean forceKeyframe) {
        Objects.requireNonNull(image, "image");
        scale(image);
        Session current = sessionFor(forceKeyframe);
        // A new process's first frame waits for ffmpeg to start too (seconds on a busy or small machine).
        Duration allowed = current.frames == 0 ? frameTimeout.plus(STARTUP_ALLOWANCE) : frameTimeout;
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(
                () -> current.kill("no access unit within " + allowed.toMillis() + " ms"),
                allowed.toNanos(),
                TimeUnit.NANOSECONDS);
        long deadline = System.nanoTime() + allowed.toNanos();
        try {
            Object pending = current.output.poll();
            if (pending instanceof Failure failure) {
                throw current.fail(failure.reason, failure.cause); // it died between frames
            } else if (pending != null) {
                throw current.fail("ffmpeg wrote more access units than it was given frames", null);
            }
            try {
                current.stdin.write(bgr);
                current.stdin.flush();
            } catch (IOException e) {
                throw current.fail("ffmpeg stopped reading frames", e);
            }
            Object next;
            try {
                next = current.output.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw current.fail("interrupted while waiting for ffmpeg", e);
            }
            if (next == null) {
                throw current.fail("no access unit within " + allowed.toMillis() + " ms", null);
            }
            if (next instanceof Failure failure) {
                throw current.fail(failure.reason, failure.cause);
            }
            byte[] accessUnit = (byte[]) next;
            boolean keyframe = containsIdr(accessUnit);
            current.frames++;
            return new EncodedFrame(accessUnit, keyframe);
        } catch (IllegalStateException e) {
            failed(current);
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    /** The running process, or a new one when there is none or a keyframe is forced that is not due anyway. */
    private Session sessionFor(boolean forceKeyframe) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the ffmpeg encoder is closed");
            }
            if (session != null && !(forceKeyframe && session.frames % keyframeInterval != 0)) {
                return session;
            }
            if (failedBefore && System.nanoTime() - lastFailure < RESTART_BACKOFF.toNanos()) {
                throw new IllegalStateException(
                        "ffmpeg failed less than " + RESTART_BACKOFF.toMillis() + " ms ago; not restarting yet");
            }
            if (session != null) {
                session.stop();
            }
            session = start();
            return session;
        }
    }

    private void failed(Session current) {
        synchronized (lock) {
            current.stop();
            if (session == current) {
                session = null;
            }
            failedBefore = true;
            lastFailure = System.nanoTime();
        }
    }

    private Session start() {
        Process process;
        try {
            process = new ProcessBuilder(command()).start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start " + executable + " (is ffmpeg installed and on the PATH?): " + e.getMessage(), e);
        }
        log.debug("ffmpeg {} started for {}x{}", process.pid(), width, height);
        return new Session(process);
    }

    /** Kills ffmpeg (if running) and waits briefly for it to be gone. Safe from any thread, idempotent. */
    @Override
    public void close() {
        Session last;
        synchronized (lock) {
            closed = true;
            last = session;
            session = null;
        }
        if (last != null) {
            last.stop();
        }
    }

    /** The running ffmpeg, for tests. */
    Process process() {
        synchronized (lock) {
            return session == null ? null : session.process;
        }
    }

    private void scale(BufferedImage image) {
        Graphics2D g = scaled.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
    }

    private static boolean containsIdr(byte[] au) {
        for (int i = 0; i + 4 < au.length; i++) {
            if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 0 && au[i + 3] == 1) {
                if ((au[i + 4] & 0x1f) == NAL_IDR) {
                    return true;
                }
                i += 3;
            }
        }
        return false;
    }

    private record Failure(String reason, Throwable cause) {}

    /** One ffmpeg process with its stdout parser and stderr drain. */
    private final class Session {
        final Process process;
        final OutputStream stdin;
        final BlockingQueue<Object> output = new LinkedBlockingQueue<>();
        /** The last bytes ffmpeg wrote to stderr, for error messages. */
        private final byte[] stderrTail = new byte[STDERR_TAIL_BYTES];

        private long stderrBytes;
        private volatile String killedBecause;
        /** Frames encoded by this process; the next frame is a keyframe when this is a multiple of the interval. */
        long frames;

        Session(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            Thread.ofPlatform()
                    .daemon()
                    .name("ffmpeg-out-" + process.pid())
                    .start(() -> readStdout(process.getInputStream()));
            Thread.ofPlatform()
                    .daemon()
                    .name("ffmpeg-err-" + process.pid())
                    .start(() -> drainStderr(process.getErrorStream()));
        }

        void kill(String reason) {
            killedBecause = reason;
            process.destroyForcibly();
        }

        /** Kills the process and closes its pipes; waits up to 2 s for it to be gone. */
        void stop() {
            process.destroyForcibly();
            try {
                stdin.close();
            } catch (IOException e) {
                // Already gone.
            }
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    log.warn("ffmpeg {} did not exit after being killed", process.pid());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** An exception that says what went wrong, with ffmpeg's exit code and its last words. */
        IllegalStateException fail(String reason, Throwable cause) {
            String why = killedBecause != null ? killedBecause : reason;
            process.destroyForcibly();
            String exit = "";
            try {
                if (process.waitFor(1, TimeUnit.SECONDS)) {
                    exit = ", exit code " + process.exitValue();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String stderr = stderrTail();
            return new IllegalStateException(
                    "ffmpeg video encoder failed: " + why + exit + (stderr.isEmpty() ? "" : "; ffmpeg said: " + stderr),
                    cause);
        }

        private void readStdout(InputStream raw) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 65536))) {
                readFlv(in);
                output.add(new Failure("ffmpeg exited or closed its output", null));
            } catch (EOFException e) {
                output.add(new Failure("ffmpeg exited or closed its output", null));
            } catch (IOException | RuntimeException e) {
                output.add(new Failure("unreadable ffmpeg output: " + e.getMessage(), e));
            }
        }

        /** Each access unit of ffmpeg's FLV output, as Annex B. */
        private void readFlv(InputStream in) throws IOException {
            FlvVideoReader flv = new FlvVideoReader(in);
            while (true) { // until EOFException: ffmpeg exited or closed its output
                if (flv.next() instanceof FlvVideoReader.AccessUnit unit) {
                    output.add(toAnnexB(unit.nals()));
                }
            }
        }

        private void drainStderr(InputStream err) {
            byte[] buffer = new byte[1024];
            try (err) {
                for (int n = err.read(buffer); n >= 0; n = err.read(buffer)) {
                    synchronized (stderrTail) {
                        for (int i = 0; i < n; i++) {
                            stderrTail[(int) (stderrBytes++ % STDERR_TAIL_BYTES)] = buffer[i];
                        }
                    }
                    if (log.isDebugEnabled()) {
                        log.debug(
                                "ffmpeg {}: {}",
                                process.pid(),
                                new String(buffer, 0, n, StandardCharsets.UTF_8).strip());
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            }
        }

        String stderrTail() {
            synchronized (stderrTail) {
                int count = (int) Math.min(stderrBytes, STDERR_TAIL_BYTES);
                byte[] tail = new byte[count];
                long start = stderrBytes - count;
                for (int i = 0; i < count; i++) {
                    tail[i] = stderrTail[(int) ((start + i) % STDERR_TAIL_BYTES)];
                }
                return new String(tail, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\n\\s*", " | ");
            }
        }
    }

    /** An access unit's NAL units as Annex B (4-byte start codes), without SEI and delimiters. */
    static byte[] toAnnexB(List<byte[]> nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            int type = nal[0] & 0x1f;
            if (type != NAL_SEI && type != NAL_AUD) {
                out.write(0);
                out.write(0);
                out.write(0);
                out.write(1);
                out.write(nal, 0, nal.length);
            }
        }
        return out.toByteArray();
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "ffmpeg-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    @Override
    public String toString() {
        return "FfmpegVideoEncoder[" + width + "x" + height + ", keyframe every " + keyframeInterval + "]";
    }
}
