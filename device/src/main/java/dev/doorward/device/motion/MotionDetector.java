package dev.doorward.device.motion;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Motion detection on the device, from its own frames. Each frame is reduced to a {@value #GRID_WIDTH} x
 * {@value #GRID_HEIGHT} grid of mean luma (averaging over many pixels removes most sensor noise) and compared
 * cell by cell with a background that slowly follows the scene, so light that changes over minutes, a parked
 * car or a shadow is absorbed while a person walking by is not. A change of the whole picture's brightness at
 * once (auto exposure, a porch light) is subtracted before comparing. A cell counts as changed when it differs
 * by more than the sensitivity's threshold and a neighbouring cell changed too (a lone cell is noise); motion
 * is reported when the changed share of the unmasked picture reaches the sensitivity's minimum area in
 * {@value #CONFIRM_FRAMES} successive frames, and at most once per cooldown.
 *
 * <p>Not tied to a frame rate; frames more than {@link #MAX_GAP} apart (a paused camera) restart from the
 * newest frame as background. Thread-safe.
 */
public final class MotionDetector {
    public static final int GRID_WIDTH = 80;
    public static final int GRID_HEIGHT = 60;
    static final int CONFIRM_FRAMES = 2;
    static final Duration MAX_GAP = Duration.ofSeconds(10);
    /** How fast the background follows an unchanged cell, per frame. */
    private static final float ADAPT_STILL = 0.05f;
    /** How fast it follows a changed cell: slow, so someone standing still fades out only after a while. */
    private static final float ADAPT_CHANGED = 0.005f;

    private MotionSettings settings;
    private boolean[] masked;
    private int watchedCells;
    private float[] background;
    private int sourceWidth;
    private int sourceHeight;
    private Instant lastFrame;
    private Instant lastReported;
    private int successive;

    public MotionDetector(MotionSettings settings) {
        apply(settings);
    }

    /** Changes the settings (the user moved the slider or drew a zone); the learnt background is kept. */
    public synchronized void update(MotionSettings newSettings) {
        apply(newSettings);
        successive = 0;
    }

    public synchronized MotionSettings settings() {
        return settings;
    }

    /**
     * Looks at the next frame, captured at {@code at}. Returns motion when this frame confirms some and the
     * cooldown since the last report has passed.
     *
     * @throws IllegalArgumentException if the frame is smaller than the grid
     */
    public synchronized Optional<Motion> offer(BufferedImage frame, Instant at) {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(at, "at");
        if (frame.getWidth() < GRID_WIDTH || frame.getHeight() < GRID_HEIGHT) {
            throw new IllegalArgumentException("frame smaller than " + GRID_WIDTH + "x" + GRID_HEIGHT);
        }
        float[] luma = lumaGrid(frame);
        boolean restart = background == null
                || frame.getWidth() != sourceWidth
                || frame.getHeight() != sourceHeight
                || lastFrame == null
                || at.isBefore(lastFrame)
                || Duration.between(lastFrame, at).compareTo(MAX_GAP) > 0;
        lastFrame = at;
        if (restart) {
            background = luma;
            sourceWidth = frame.getWidth();
            sourceHeight = frame.getHeight();
            successive = 0;
            return Optional.empty();
        }

        float offset = globalOffset(luma);
        int threshold = settings.cellThreshold();
        boolean[] raw = new boolean[luma.length];
        for (int i = 0; i < luma.length; i++) {
            raw[i] = !masked[i] && Math.abs(luma[i] - background[i] - offset) > threshold;
        }
        int changed = 0;
        int minX = GRID_WIDTH;
        int minY = GRID_HEIGHT;
        int maxX = -1;
        int maxY = -1;
        boolean[] kept = new boolean[luma.length];
        for (int y = 0; y < GRID_HEIGHT; y++) {
            for (int x = 0; x < GRID_WIDTH; x++) {
                int i = y * GRID_WIDTH + x;
                if (raw[i] && hasChangedNeighbour(raw, x, y)) {
                    kept[i] = true;
                    changed++;
                    minX = Math.min(minX, x);
                    minY = Math.min(minY, y);
                    maxX = Math.max(maxX, x);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        for (int i = 0; i < luma.length; i++) {
            float rate = kept[i] ? ADAPT_CHANGED : ADAPT_STILL;
            background[i] += rate * (luma[i] - background[i]);
        }

        if (!settings.enabled() || watchedCells == 0) {
            successive = 0;
            return Optional.empty();
        }
        double share = (double) changed / watchedCells;
        if (changed == 0 || share < settings.minimumArea()) {
            successive = 0;
            return Optional.empty();
        }
        successive++;
        if (successive < CONFIRM_FRAMES) {
            return Optional.empty();
        }
        if (lastReported != null && !at.isBefore(lastReported) && at.isBefore(lastReported.plus(settings.cooldown()))) {
            return Optional.empty();
        }
        lastReported = at;
        Region box = new Region(
                (double) minX / GRID_WIDTH,
                (double) minY / GRID_HEIGHT,
                (double) (maxX - minX + 1) / GRID_WIDTH,
                (double) (maxY - minY + 1) / GRID_HEIGHT);
        return Optional.of(new Motion(at, Math.min(1, share), box));
    }

    private void apply(MotionSettings newSettings) {
        this.settings = Objects.requireNonNull(newSettings, "settings");
        boolean[] cells = new boolean[GRID_WIDTH * GRID_HEIGHT];
        int watched = 0;
        for (int y = 0; y < GRID_HEIGHT; y++) {
            for (int x = 0; x < GRID_WIDTH; x++) {
                double cx = (double) x / GRID_WIDTH;
                double cy = (double) y / GRID_HEIGHT;
                // Outside every motion zone the owner drew is as good as masked: never looked at.
                boolean hidden = !newSettings.watchedZones().isEmpty();
                for (Region zone : newSettings.watchedZones()) {
                    if (zone.overlaps(cx, cy, 1.0 / GRID_WIDTH, 1.0 / GRID_HEIGHT)) {
                        hidden = false;
                        break;
                    }
                }
                for (Region zone : newSettings.maskedZones()) {
                    // Any overlap masks the whole cell: what the user masked is never looked at.
                    if (zone.overlaps(cx, cy, 1.0 / GRID_WIDTH, 1.0 / GRID_HEIGHT)) {
                        hidden = true;
                        break;
                    }
                }
                cells[y * GRID_WIDTH + x] = hidden;
                if (!hidden) {
                    watched++;
                }
            }
        }
        this.masked = cells;
        this.watchedCells = watched;
    }

    /** The median difference over the watched cells: how much brighter or darker the whole scene got. */
    private float globalOffset(float[] luma) {
        float[] diffs = new float[watchedCells];
        int n = 0;
        for (int i = 0; i < luma.length; i++) {
            if (!masked[i]) {
                diffs[n++] = luma[i] - background[i];
            }
        }
        if (n == 0) {
            return 0;
        }
        Arrays.sort(diffs);
        return diffs[n / 2];
    }

    private static boolean hasChangedNeighbour(boolean[] raw, int x, int y) {
        return (x > 0 && raw[y * GRID_WIDTH + x - 1])
                || (x < GRID_WIDTH - 1 && raw[y * GRID_WIDTH + x + 1])
                || (y > 0 && raw[(y - 1) * GRID_WIDTH + x])
                || (y < GRID_HEIGHT - 1 && raw[(y + 1) * GRID_WIDTH + x]);
    }

    /** Mean luma (BT.601) per grid cell. */
    static float[] lumaGrid(BufferedImage frame) {
        int width = frame.getWidth();
        int height = frame.getHeight();
        long[] sums = new long[GRID_WIDTH * GRID_HEIGHT];
        int[] counts = new int[GRID_WIDTH * GRID_HEIGHT];
        int[] cellOfColumn = new int[width];
        for (int x = 0; x < width; x++) {
            cellOfColumn[x] = (int) ((long) x * GRID_WIDTH / width);
        }
        int[] row = new int[width];
        // Camera frames are TYPE_INT_RGB: read their pixels straight from the raster (much faster than getRGB).
        boolean packed =
                frame.getType() == BufferedImage.TYPE_INT_RGB || frame.getType() == BufferedImage.TYPE_INT_ARGB;
        WritableRaster raster = frame.getRaster();
        for (int y = 0; y < height; y++) {
            if (packed) {
                raster.getDataElements(0, y, width, 1, row);
            } else {
                frame.getRGB(0, y, width, 1, row, 0, width);
            }
            int base = (int) ((long) y * GRID_HEIGHT / height) * GRID_WIDTH;
            for (int x = 0; x < width; x++) {
                int rgb = row[x];
                int luma = (77 * ((rgb >> 16) & 0xff) + 150 * ((rgb >> 8) & 0xff) + 29 * (rgb & 0xff)) >> 8;
                int cell = base + cellOfColumn[x];
                sums[cell] += luma;
                counts[cell]++;
            }
        }
        float[] grid = new float[sums.length];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = (float) sums[i] / counts[i];
        }
        return grid;
    }
}
