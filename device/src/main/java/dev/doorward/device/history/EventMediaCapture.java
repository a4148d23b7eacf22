package dev.doorward.device.history;

import dev.doorward.device.camera.Camera;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The pictures of an event: the camera sampled a few times a second into small frames (the clip buffer, which
 * motion detection reads too), and at an event its full-size snapshot and the clip of the seconds before, sealed
 * to the household and queued for upload.
 *
 * <p>Small frames keep the camera's shape: a 16:9 camera gives 320×180 clips, a 4:3 one 320×240 — squeezing a
 * wide picture into 4:3 made people look thin and put motion zones, drawn on the snapshot, in the wrong place.
 */
public final class EventMediaCapture implements AutoCloseable {
    /** How much video before an event its clip shows. */
    public static final Duration CLIP_LENGTH = Duration.ofSeconds(3);
    /** The longest side of a clip frame; the other follows the camera's shape (even, as H.264 needs). */
    static final int CLIP_LONG_SIDE = 320;

    private final Camera camera;
    private final FrameBuffer recentFrames;
    /** Builds and seals event media off the agent thread: never on the path from a press to the ring. */
    private final ExecutorService mediaWork = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("doorward-event-media").factory());

    /** @param sampleEvery how often {@link #sample} is called, to size the clip buffer */
    public EventMediaCapture(Camera camera, Duration sampleEvery) {
        this.camera = camera;
        this.recentFrames = new FrameBuffer(CLIP_LENGTH, (int) (CLIP_LENGTH.toMillis() / sampleEvery.toMillis()) + 1);
    }

    /** Takes a small frame for the clip buffer and returns it (motion detection looks at the same frame). */
    public BufferedImage sample(Instant now) {
        BufferedImage small = small(camera.capture());
        List<FrameBuffer.Frame> held = recentFrames.frames();
        if (!held.isEmpty() && !sameSize(held.getLast().image(), small)) {
            recentFrames.clear(); // the camera changed its resolution: a clip's frames all have one size
        }
        recentFrames.add(small, now);
        return small;
    }

    /**
     * Takes the event's picture now and, on a media thread, seals its snapshot (and for a ring or motion its clip)
     * and adds them to the outbox, then calls {@code queued} (to start the upload). Nothing without a media key:
     * no roster, no picture at all.
     */
    public void capture(
            LiveMedia live,
            String deviceId,
            String eventId,
            EventKind kind,
            Instant now,
            MediaOutbox outbox,
            Runnable queued) {
        if (live.currentEpoch().isEmpty()) {
            return;
        }
        BufferedImage picture = camera.capture();
        // The seconds before, and the moment itself as the last frame (so a clip exists even right after start-up).
        BufferedImage last = small(picture);
        List<FrameBuffer.Frame> frames = new ArrayList<>();
        for (FrameBuffer.Frame frame : recentFrames.frames()) {
            if (sameSize(frame.image(), last)) {
                frames.add(frame);
            }
        }
        frames.add(new FrameBuffer.Frame(last, now));
        boolean withClip = kind == EventKind.RING || kind == EventKind.MOTION;
        mediaWork.execute(() -> AgentThread.guarded(() -> {
            seal(live, deviceId, eventId, EventMediaKind.SNAPSHOT, EventMediaObjects.snapshot(picture, now))
                    .ifPresent(bytes -> outbox.add(eventId, kind, EventMediaKind.SNAPSHOT, bytes));
            if (withClip) {
                byte[] clip = EventMediaObjects.clip(frames, last.getWidth(), last.getHeight());
                seal(live, deviceId, eventId, EventMediaKind.CLIP, clip)
                        .ifPresent(bytes -> outbox.add(eventId, kind, EventMediaKind.CLIP, bytes));
            }
            queued.run();
        }));
    }

    int bufferedFrames() {
        return recentFrames.frames().size();
    }

    /** Forgets the buffered frames (ownership or the link ended: the next owner sees nothing from before). */
    public void forget() {
        recentFrames.clear();
    }

    private static Optional<byte[]> seal(
            LiveMedia live, String deviceId, String eventId, EventMediaKind kind, byte[] plaintext) {
        return live.sealStill(plaintext, EventMediaObjects.associatedData(deviceId, eventId, kind.wireName()));
    }

    /** The clip frame size for a picture of this size: the long side {@value #CLIP_LONG_SIDE}, shape kept. */
    static int[] clipSize(int width, int height) {
        if (width >= height) {
            return new int[] {CLIP_LONG_SIDE, even((double) CLIP_LONG_SIDE * height / width)};
        }
        return new int[] {even((double) CLIP_LONG_SIDE * width / height), CLIP_LONG_SIDE};
    }

    private static int even(double size) {
        return Math.max(16, 2 * (int) Math.round(size / 2));
    }

    private static BufferedImage small(BufferedImage image) {
        int[] size = clipSize(image.getWidth(), image.getHeight());
        BufferedImage out = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, size[0], size[1], null);
        g.dispose();
        return out;
    }

    private static boolean sameSize(BufferedImage a, BufferedImage b) {
        return a.getWidth() == b.getWidth() && a.getHeight() == b.getHeight();
    }

    @Override
    public void close() {
        mediaWork.shutdownNow();
    }
}
