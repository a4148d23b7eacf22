package dev.doorward.device.camera;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;

/**
 * The simulator's camera: moving colour bars and a box, a large clock (so a viewer can see latency and
 * freshness at a glance) and the serial. {@link #show} simulates holding a picture up to the lens, e.g. the
 * owner's phone with a claim QR code: it fills a white square in the middle of the frame, large enough for a
 * QR code in it to decode reliably.
 *
 * <p>For motion detection the scene can be made to behave like a real porch: {@link #setBarsMoving} stops the
 * colour bars (the clock and the bouncing box keep moving, in {@link #animatedAreas()}, which a motion mask
 * can exclude), and {@link #walkBy} sends a person across the picture.
 */
public final class SyntheticCamera implements Camera {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 480;
    /** The area a picture held up to the lens fills. */
    static final int SHOWN_SIZE = 440;
    /** The clock band at the top. */
    private static final int OVERLAY_HEIGHT = 56;
    /** The bouncing box: its size and top edge. */
    private static final int BOX_SIZE = 80;

    private static final int BOX_TOP = HEIGHT - 110;

    private static final Color[] BARS = {
        Color.WHITE, Color.YELLOW, Color.CYAN, Color.GREEN, Color.MAGENTA, Color.RED, Color.BLUE
    };
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final Clock clock;
    private final String serial;
    private BufferedImage shown;
    private Instant shownUntil;
    private long shownFrames;
    private boolean barsMoving = true;
    private Instant walkStart;
    private Duration walkDuration;

    public SyntheticCamera(Clock clock, String serial) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.serial = Objects.requireNonNull(serial, "serial");
    }

    /** Holds {@code picture} up to the lens until {@link #clearShown()}. */
    public synchronized void show(BufferedImage picture) {
        this.shown = Objects.requireNonNull(picture, "picture");
        this.shownUntil = null;
    }

    /** Holds {@code picture} up to the lens for {@code duration} (device clock). */
    public synchronized void show(BufferedImage picture, Duration duration) {
        this.shown = Objects.requireNonNull(picture, "picture");
        this.shownUntil = clock.instant().plus(duration);
    }

    public synchronized void clearShown() {
        this.shown = null;
        this.shownUntil = null;
    }

    public synchronized boolean showing() {
        return currentPicture() != null;
    }

    /** Whether the colour bars scroll (the default) or stand still, like a real background. */
    public synchronized void setBarsMoving(boolean moving) {
        this.barsMoving = moving;
    }

    /**
     * Sends a person walking across the picture from left to right, starting now and taking {@code duration}
     * (device clock). The figure stays clear of {@link #animatedAreas()}. A new walk replaces one under way.
     */
    public synchronized void walkBy(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a walk takes some time");
        }
        this.walkStart = clock.instant();
        this.walkDuration = duration;
    }

    /** Whether a person is walking across the picture now. */
    public synchronized boolean walking() {
        return walkProgress(clock.instant()) >= 0;
    }

    /**
     * The parts of the picture (in pixels) that change on their own even when the bars stand still: the clock
     * band at the top and the band the box bounces along. A motion mask for the simulator.
     */
    public static List<Rectangle> animatedAreas() {
        return List.of(new Rectangle(0, 0, WIDTH, OVERLAY_HEIGHT), new Rectangle(0, BOX_TOP, WIDTH, BOX_SIZE));
    }

    @Override
    public BufferedImage capture() {
        Instant now = clock.instant();
        BufferedImage picture;
        long frameNumber;
        boolean moving;
        double walk;
        synchronized (this) {
            picture = currentPicture();
            frameNumber = shownFrames++;
            moving = barsMoving;
            walk = walkProgress(now);
        }
        BufferedImage frame = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        try {
            drawScene(g, now, moving);
            if (walk >= 0) {
                drawWalker(g, walk);
            }
            drawOverlay(g, now);
            // Last, like a phone held in front of the lens: it hides whatever is behind it.
            if (picture != null) {
                drawShown(g, picture, frameNumber);
            }
        } finally {
            g.dispose();
        }
        return frame;
    }

    private BufferedImage currentPicture() {
        if (shown != null && shownUntil != null && !clock.instant().isBefore(shownUntil)) {
            shown = null;
            shownUntil = null;
        }
        return shown;
    }

    /** How far the current walk has got (0..1), or -1 when nobody is walking. */
    private double walkProgress(Instant now) {
        if (walkStart == null) {
            return -1;
        }
        if (now.isBefore(walkStart) || !now.isBefore(walkStart.plus(walkDuration))) {
            if (!now.isBefore(walkStart)) {
                walkStart = null;
                walkDuration = null;
            }
            return -1;
        }
        return (double) Duration.between(walkStart, now).toNanos() / walkDuration.toNanos();
    }

    private static void drawScene(Graphics2D g, Instant now, boolean barsMoving) {
        long millis = now.toEpochMilli();
        int barWidth = WIDTH / BARS.length + 1;
        int shift = barsMoving ? (int) ((millis / 20) % WIDTH) : 0;
        for (int i = 0; i < BARS.length; i++) {
            g.setColor(BARS[i]);
            int x = (i * barWidth + shift) % WIDTH;
            g.fillRect(x, 0, barWidth, HEIGHT);
            if (x + barWidth > WIDTH) {
                g.fillRect(x - WIDTH, 0, barWidth, HEIGHT);
            }
        }
        // A box bouncing along the bottom, so motion is visible even in a still.
        int period = 2 * (WIDTH - BOX_SIZE);
        int position = (int) ((millis / 5) % period);
        int boxX = position < WIDTH - BOX_SIZE ? position : period - position;
        g.setColor(Color.DARK_GRAY);
        g.fillRect(boxX, BOX_TOP, BOX_SIZE, BOX_SIZE);
    }

    /** A dark figure (head, body, legs) between the clock band and the box band, {@code progress} across. */
    private static void drawWalker(Graphics2D g, double progress) {
        int width = 70;
        int x = (int) Math.round(-width + progress * (WIDTH + width));
        int top = OVERLAY_HEIGHT + 24;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(0x20, 0x24, 0x30));
        g.fillOval(x + 20, top, 30, 36); // head
        g.fillRoundRect(x, top + 40, width, 130, 24, 24); // body
        int stride = (int) Math.round(12 * Math.sin(progress * 40));
        g.fillRect(x + 12 + stride, top + 165, 18, BOX_TOP - 10 - (top + 165)); // legs
        g.fillRect(x + 40 - stride, top + 165, 18, BOX_TOP - 10 - (top + 165));
    }

    private static void drawShown(Graphics2D g, BufferedImage picture, long frameNumber) {
        int left = (WIDTH - SHOWN_SIZE) / 2;
        int top = (HEIGHT - SHOWN_SIZE) / 2;
        g.setColor(Color.WHITE);
        g.fillRect(left, top, SHOWN_SIZE, SHOWN_SIZE);
        // Leave a margin inside the white square: a QR code needs a quiet zone around it. A held-up phone
        // is never perfectly still, and neither is this one: the size breathes by up to 15 % from frame
        // to frame. Besides being realistic, this matters: at a few unlucky scales a QR code does not decode,
        // and a real camera would never show the same unlucky frame forever.
        int inner = SHOWN_SIZE - 40 - (int) (7 * (frameNumber % 10));
        double scale = Math.min((double) inner / picture.getWidth(), (double) inner / picture.getHeight());
        int w = Math.max(1, (int) Math.round(picture.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(picture.getHeight() * scale));
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(picture, left + (SHOWN_SIZE - w) / 2, top + (SHOWN_SIZE - h) / 2, w, h, null);
    }

    private void drawOverlay(Graphics2D g, Instant now) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(0, 0, 0, 170));
        g.fillRect(0, 0, WIDTH, OVERLAY_HEIGHT);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.MONOSPACED, Font.BOLD, 40));
        g.drawString(TIME.format(now), 12, 44);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 18));
        g.drawString(serial, WIDTH - 12 - g.getFontMetrics().stringWidth(serial), 34);
    }
}
