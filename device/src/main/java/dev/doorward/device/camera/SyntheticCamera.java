package dev.doorward.device.camera;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The simulator's camera: moving colour bars and a box, a large clock (so a viewer can see latency and
 * freshness at a glance) and the serial. {@link #show} simulates holding a picture up to the lens, e.g. the
 * owner's phone with a claim QR code: it fills a white square in the middle of the frame, large enough for a
 * QR code in it to decode reliably.
 */
public final class SyntheticCamera implements Camera {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 480;
    /** The area a picture held up to the lens fills. */
    static final int SHOWN_SIZE = 440;

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

    @Override
    public BufferedImage capture() {
        Instant now = clock.instant();
        BufferedImage picture;
        long frameNumber;
        synchronized (this) {
            picture = currentPicture();
            frameNumber = shownFrames++;
        }
        BufferedImage frame = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        try {
            drawScene(g, now);
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

    private static void drawScene(Graphics2D g, Instant now) {
        long millis = now.toEpochMilli();
        int barWidth = WIDTH / BARS.length + 1;
        int shift = (int) ((millis / 20) % WIDTH);
        for (int i = 0; i < BARS.length; i++) {
            g.setColor(BARS[i]);
            int x = (i * barWidth + shift) % WIDTH;
            g.fillRect(x, 0, barWidth, HEIGHT);
            if (x + barWidth > WIDTH) {
                g.fillRect(x - WIDTH, 0, barWidth, HEIGHT);
            }
        }
        // A box bouncing along the bottom, so motion is visible even in a still.
        int period = 2 * (WIDTH - 80);
        int position = (int) ((millis / 5) % period);
        int boxX = position < WIDTH - 80 ? position : period - position;
        g.setColor(Color.DARK_GRAY);
        g.fillRect(boxX, HEIGHT - 110, 80, 80);
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
        g.fillRect(0, 0, WIDTH, 56);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.MONOSPACED, Font.BOLD, 40));
        g.drawString(TIME.format(now), 12, 44);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 18));
        g.drawString(serial, WIDTH - 12 - g.getFontMetrics().stringWidth(serial), 34);
    }
}
