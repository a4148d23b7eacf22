package dev.doorward.device.media;

import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.device.camera.Camera;
import dev.doorward.device.media.MediaEpochs.Senders;
import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import dev.doorward.protocol.MediaPart;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live view from the doorbell's side (docs/media.md): while the hub reports viewers, captures the camera at
 * a fixed rate, encodes H.264, prepends the 8-byte capture time, seals with the current epoch's video
 * sender and hands the binary parts to the link; the microphone's 20 ms frames go the same way with the
 * audio sender. With no viewers nothing is captured or encoded at all, and with no epoch key nothing is
 * sent: there is no plaintext path.
 *
 * <p>The current GOP (its sealed parts exactly as sent) is kept so that when the number of viewers grows
 * the new viewer gets the keyframe at once; viewers that already had those frames drop them as SFrame
 * replays. A new epoch empties the cache and forces a keyframe, so the cache never mixes epochs and a viewer
 * switches keys at a keyframe.
 *
 * <p>Video runs on its own thread at the configured rate; when a frame takes longer than its slot the missed
 * slots are dropped, never queued, so a slow encoder lowers the frame rate instead of adding latency. Audio
 * runs on another thread, paced by the microphone. All parts of one frame reach the sink back to back (one
 * lock around every frame's parts), so video and audio never interleave within a frame.
 *
 * <p>One class: the GOP cache, the epoch switch and the per-frame lock must change together (a new epoch empties the
 * cache at a keyframe under the same lock); split, that ordering would cross classes.
 */
public final class LiveStreamer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveStreamer.class);
    private static final byte[] NO_METADATA = new byte[0];

    public static final int DEFAULT_FPS = 10;
    /** How long one tick waits for a feed's next access unit (a stop is noticed within this). */
    private static final java.time.Duration FEED_WAIT = java.time.Duration.ofMillis(250);
    /** The pause after a feed had nothing, so a dead camera costs no CPU. */
    private static final java.time.Duration FEED_IDLE = java.time.Duration.ofMillis(20);
    /** A GOP larger than this is not cached (a keyframe is forced to start a new one). */
    public static final int DEFAULT_MAX_GOP_BYTES = 4 * 1024 * 1024;

    private final Camera camera;
    private final VideoEncoder encoder;
    /** Video that comes encoded (a passed-through camera): used instead of camera and encoder when set. */
    private final VideoFeed feed;

    private final Microphone microphone;
    private final MediaEpochs epochs;
    private final Consumer<ByteBuffer> sink;
    private final Clock clock;
    private final int fps;
    private final int maxGopBytes;
    private final ThreadFactory threadFactory;

    // Guarded by this.
    private int viewers;
    private long generation;
    private boolean resendGop;
    private Thread videoThread;
    private Thread audioThread;

    // Guarded by videoLock: the encoder, the GOP cache.
    private final ReentrantLock videoLock = new ReentrantLock();
    private final List<ByteBuffer> gop = new ArrayList<>();
    private int gopBytes;
    private long gopGeneration = -1;
    private long gopEpoch = -1;
    private boolean forceKeyframe = true;

    private final ReentrantLock audioLock = new ReentrantLock();
    private final Object sendLock = new Object();

    private final AtomicLong videoFrames = new AtomicLong();
    private final AtomicLong keyframes = new AtomicLong();
    private final AtomicLong audioFrames = new AtomicLong();
    private final AtomicLong droppedSlots = new AtomicLong();
    private final AtomicLong gopResends = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /** Counters for the status page and tests. */
    public record Stats(
            long videoFrames, long keyframes, long audioFrames, long droppedSlots, long gopResends, long failures) {}

    private LiveStreamer(Builder builder) {
        this.camera = builder.camera;
        this.encoder = builder.encoder;
        this.feed = builder.feed;
        this.microphone = builder.microphone;
        this.epochs = builder.epochs;
        this.sink = builder.sink;
        this.clock = builder.clock;
        this.fps = builder.fps;
        this.maxGopBytes = builder.maxGopBytes;
        this.threadFactory = builder.threadFactory;
    }

    /**
     * @param sink the link's binary send; called with one message at a time, from the streamer's threads
     */
    public static Builder builder(Camera camera, VideoEncoder encoder, MediaEpochs epochs, Consumer<ByteBuffer> sink) {
        return new Builder(camera, encoder, epochs, sink);
    }

    /** Options with defaults: 10 frames/s, no microphone, the system clock, daemon threads. */
    public static final class Builder {
        private final Camera camera;
        private final VideoEncoder encoder;
        private final MediaEpochs epochs;
        private final Consumer<ByteBuffer> sink;
        private Microphone microphone;
        private VideoFeed feed;
        private Clock clock = Clock.systemUTC();
        private int fps = DEFAULT_FPS;
        private int maxGopBytes = DEFAULT_MAX_GOP_BYTES;
        private ThreadFactory threadFactory = runnable -> {
            Thread thread = new Thread(runnable);
            thread.setDaemon(true);
            return thread;
        };

        private Builder(Camera camera, VideoEncoder encoder, MediaEpochs epochs, Consumer<ByteBuffer> sink) {
            this.camera = Objects.requireNonNull(camera, "camera");
            this.encoder = Objects.requireNonNull(encoder, "encoder");
            this.epochs = Objects.requireNonNull(epochs, "epochs");
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /**
         * Takes video from {@code feed} as it arrives (every access unit, in order, stamped with its arrival)
         * instead of capturing and encoding at a fixed rate; the camera and encoder are then not used for
         * live video.
         */
        public Builder feed(VideoFeed feed) {
            this.feed = feed;
            return this;
        }

        public Builder microphone(Microphone microphone) {
            this.microphone = microphone;
            return this;
        }

        /** The clock of the capture times inside the seal (pacing uses the monotonic nano clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder fps(int fps) {
            if (fps < 1 || fps > 60) {
                throw new IllegalArgumentException("1 to 60 frames per second");
            }
            this.fps = fps;
            return this;
        }

        public Builder maxGopBytes(int maxGopBytes) {
            if (maxGopBytes < MediaPart.MAX_BYTES) {
                throw new IllegalArgumentException("GOP cache smaller than one part");
            }
            this.maxGopBytes = maxGopBytes;
            return this;
        }

        /**
         * Makes the video and audio threads. Null runs no threads at all: the owner drives {@code videoTick}
         * and {@code audioTick} itself (tests do, so every frame is deterministic).
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = threadFactory;
            return this;
        }

        public LiveStreamer build() {
            return new LiveStreamer(this);
        }
    }

    /**
     * The hub's {@code live {viewers}}: streams while {@code viewers > 0}; when the number grows while
     * streaming, the cached GOP goes out again before the next frame. Returns at once (it never waits for a
     * frame to finish).
     */
    public synchronized void setViewers(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative viewer count");
        }
        int before = viewers;
        viewers = count;
        if (before == 0 && count > 0) {
            generation++;
            startThreads();
            log.info("live streaming started for {} viewer(s)", count);
        } else if (before > 0 && count == 0) {
            generation++;
            stopThreads();
            log.info("live streaming stopped: no viewers");
        } else if (count > before) {
            resendGop = true;
        }
    }

    public synchronized int viewers() {
        return viewers;
    }

    public Stats stats() {
        return new Stats(
                videoFrames.get(),
                keyframes.get(),
                audioFrames.get(),
                droppedSlots.get(),
                gopResends.get(),
                failures.get());
    }

    /** Stops streaming and waits (briefly) for the threads to end. */
    @Override
    public void close() {
        Thread video;
        Thread audio;
        synchronized (this) {
            video = videoThread;
            audio = audioThread;
            if (viewers > 0) {
                viewers = 0;
                generation++;
                stopThreads();
            }
        }
        for (Thread thread : new Thread[] {video, audio}) {
            if (thread != null && thread != Thread.currentThread()) {
                try {
                    thread.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void startThreads() {
        if (threadFactory == null) {
            return;
        }
        long mine = generation;
        videoThread = threadFactory.newThread(() -> videoLoop(mine));
        videoThread.setName("live-video");
        videoThread.start();
        if (microphone != null) {
            audioThread = threadFactory.newThread(() -> audioLoop(mine));
            audioThread.setName("live-audio");
            audioThread.start();
        }
    }

    private void stopThreads() {
        // The loops see the new generation at their next check; unpark ends a wait for the next slot at once.
        for (Thread thread : new Thread[] {videoThread, audioThread}) {
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
        videoThread = null;
        audioThread = null;
    }

    private synchronized boolean isCurrent(long mine) {
        return generation == mine && viewers > 0;
    }

    private void videoLoop(long mine) {
        if (feed != null) {
            // Paced by the camera: the feed blocks until the next access unit.
            while (isCurrent(mine)) {
                if (!videoTick(mine)) {
                    LockSupport.parkNanos(this, FEED_IDLE.toNanos());
                }
            }
            return;
        }
        long period = 1_000_000_000L / fps;
        long next = System.nanoTime();
        while (isCurrent(mine)) {
            videoTick(mine);
            next += period;
            long now = System.nanoTime();
            if (now - next >= 0) {
                // Late: skip the slots that passed instead of catching up with a burst.
                long missed = (now - next) / period + 1;
                droppedSlots.addAndGet(missed);
                next += missed * period;
            }
            for (long wait = next - System.nanoTime(); wait > 0 && isCurrent(mine); wait = next - System.nanoTime()) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    private void audioLoop(long mine) {
        // Held for the whole session, so a new session's thread cannot open the microphone before this one
        // has closed it.
        audioLock.lock();
        try {
            if (!isCurrent(mine)) {
                return;
            }
            microphone.open();
            try {
                while (isCurrent(mine)) {
                    if (!audioTick(mine)) {
                        Thread.sleep(Microphone.FRAME_DURATION.toMillis());
                    }
                }
            } finally {
                microphone.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            log.warn("live audio stopped: {}", e.getClass().getSimpleName());
        } finally {
            audioLock.unlock();
        }
    }

    /** One video frame now, if streaming (for owners that run no threads). */
    void videoTick() {
        long mine;
        synchronized (this) {
            mine = generation;
        }
        videoTick(mine);
    }

    /** Whether a frame was sent (or there was nothing to do); false when a feed had nothing in time. */
    private boolean videoTick(long mine) {
        videoLock.lock();
        try {
            boolean resend;
            synchronized (this) {
                if (generation != mine || viewers == 0) {
                    return true;
                }
                resend = resendGop;
                resendGop = false;
            }
            Senders senders = epochs.current().orElse(null);
            if (senders == null) {
                if (feed != null) {
                    return false; // No key, no picture; the feed keeps its GOP for when there is one.
                }
                return true; // No key, no picture.
            }
            if (gopGeneration != mine || gopEpoch != senders.mediaEpoch()) {
                // A new session or a new epoch: start from a keyframe sealed with the current key.
                clearGop();
                gopGeneration = mine;
                gopEpoch = senders.mediaEpoch();
                forceKeyframe = true;
            }
            if (resend && !gop.isEmpty()) {
                gopResends.incrementAndGet();
                send(gop);
            }
            long captureTime;
            EncodedFrame frame;
            if (feed != null) {
                VideoFeed.Frame next = feed.next(forceKeyframe, FEED_WAIT);
                if (next == null) {
                    return false;
                }
                captureTime = next.receivedAt();
                frame = next.encoded();
            } else {
                captureTime = clock.millis();
                BufferedImage image = camera.capture();
                frame = encoder.encode(image, forceKeyframe);
            }
            forceKeyframe = false;
            byte[] sealed = senders.video().seal(NO_METADATA, withTime(captureTime, frame.accessUnit()));
            List<ByteBuffer> parts = MediaPart.split(MediaPart.Kind.VIDEO, frame.keyframe(), sealed);
            if (frame.keyframe()) {
                clearGop();
                keyframes.incrementAndGet();
            }
            if (gopBytes + sealed.length > maxGopBytes) {
                // The cache would miss this frame; a late joiner must never get a GOP with a hole in it.
                clearGop();
                // An encoder makes a keyframe now; a camera's feed cannot, and waiting for its next one would
                // stall every viewer: the cache just stays empty until then.
                forceKeyframe = feed == null;
            } else if (frame.keyframe() || !gop.isEmpty()) {
                gop.addAll(parts);
                gopBytes += sealed.length;
            }
            videoFrames.incrementAndGet();
            send(parts);
            return true;
        } catch (SFrameException | RuntimeException e) {
            failures.incrementAndGet();
            forceKeyframe = true;
            clearGop();
            log.warn("live video frame failed: {}", e.getClass().getSimpleName());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            videoLock.unlock();
        }
    }

    /** One microphone frame now, if streaming (for owners that run no threads; the microphone must be open). */
    boolean audioTick() throws InterruptedException {
        long mine;
        synchronized (this) {
            mine = generation;
        }
        return audioTick(mine);
    }

    private boolean audioTick(long mine) throws InterruptedException {
        byte[] pcm = microphone.read();
        long captureTime = clock.millis();
        if (!isCurrent(mine)) {
            return true;
        }
        if (pcm.length != Microphone.FRAME_BYTES) {
            failures.incrementAndGet();
            return false;
        }
        Senders senders = epochs.current().orElse(null);
        if (senders == null) {
            return true;
        }
        try {
            byte[] sealed = senders.audio().seal(NO_METADATA, withTime(captureTime, pcm));
            send(MediaPart.split(MediaPart.Kind.AUDIO, false, sealed));
            audioFrames.incrementAndGet();
            return true;
        } catch (SFrameException | RuntimeException e) {
            failures.incrementAndGet();
            log.warn("live audio frame failed: {}", e.getClass().getSimpleName());
            return false;
        }
    }

    private void clearGop() {
        gop.clear();
        gopBytes = 0;
    }

    private void send(List<ByteBuffer> parts) {
        synchronized (sendLock) {
            for (ByteBuffer part : parts) {
                // A duplicate, so a sink that consumes the buffer leaves the cached copy intact.
                sink.accept(part.duplicate());
            }
        }
    }

    private static byte[] withTime(long captureTime, byte[] media) {
        return ByteBuffer.allocate(Long.BYTES + media.length)
                .putLong(captureTime)
                .put(media)
                .array();
    }

    @Override
    public String toString() {
        return "LiveStreamer[" + fps + " fps, " + viewers() + " viewer(s)]";
    }
}
