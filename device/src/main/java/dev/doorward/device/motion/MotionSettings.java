package dev.doorward.device.motion;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the user can set about motion detection.
 *
 * @param sensitivity 0 turns motion detection off; 1 reports only large, strong changes; 100 reports small,
 *     faint ones. Higher sensitivity never reports less.
 * @param maskedZones parts of the picture where changes are ignored (a street, a tree, a neighbour's door);
 *     at most {@link #MAX_ZONES}
 * @param cooldown after a motion event, no further one is reported until this much time has passed, so one
 *     walk-by is one event; 0 s to 1 h
 * @param watchedZones the owner's motion zones: only changes inside them count (none: the whole picture); at
 *     most {@link #MAX_ZONES}. They come from the owner's signed setting ({@link SignedMotionSetting}).
 */
public record MotionSettings(int sensitivity, List<Region> maskedZones, Duration cooldown, List<Region> watchedZones) {
    public static final int MAX_SENSITIVITY = 100;
    public static final int DEFAULT_SENSITIVITY = 50;
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(30);
    public static final Duration MAX_COOLDOWN = Duration.ofHours(1);
    public static final int MAX_ZONES = 32;

    public MotionSettings {
        if (sensitivity < 0 || sensitivity > MAX_SENSITIVITY) {
            throw new IllegalArgumentException("motion sensitivity must be 0..100");
        }
        Objects.requireNonNull(maskedZones, "maskedZones");
        if (maskedZones.size() > MAX_ZONES) {
            throw new IllegalArgumentException("at most " + MAX_ZONES + " masked zones");
        }
        maskedZones = List.copyOf(maskedZones); // also refuses null zones
        Objects.requireNonNull(cooldown, "cooldown");
        if (cooldown.isNegative() || cooldown.compareTo(MAX_COOLDOWN) > 0) {
            throw new IllegalArgumentException("motion cooldown must be between 0 s and 1 h");
        }
        Objects.requireNonNull(watchedZones, "watchedZones");
        if (watchedZones.size() > MAX_ZONES) {
            throw new IllegalArgumentException("at most " + MAX_ZONES + " motion zones");
        }
        watchedZones = List.copyOf(watchedZones);
    }

    /** Settings that watch the whole picture (no motion zones). */
    public MotionSettings(int sensitivity, List<Region> maskedZones, Duration cooldown) {
        this(sensitivity, maskedZones, cooldown, List.of());
    }

    /** Medium sensitivity, nothing masked, 30 s cooldown. */
    public static MotionSettings defaults() {
        return new MotionSettings(DEFAULT_SENSITIVITY, List.of(), DEFAULT_COOLDOWN);
    }

    public boolean enabled() {
        return sensitivity > 0;
    }

    public MotionSettings withSensitivity(int newSensitivity) {
        return new MotionSettings(newSensitivity, maskedZones, cooldown, watchedZones);
    }

    public MotionSettings withMaskedZones(List<Region> zones) {
        return new MotionSettings(sensitivity, zones, cooldown, watchedZones);
    }

    public MotionSettings withCooldown(Duration newCooldown) {
        return new MotionSettings(sensitivity, maskedZones, newCooldown, watchedZones);
    }

    /** Only changes inside these zones count from now on (empty: the whole picture). */
    public MotionSettings withWatchedZones(List<Region> zones) {
        return new MotionSettings(sensitivity, maskedZones, cooldown, zones);
    }

    /**
     * How much a cell's brightness (luma, 0..255) must differ from the background to count as changed: 48 at
     * sensitivity 1 down to 6 at 100.
     */
    int cellThreshold() {
        return (int) Math.round(48 - (sensitivity - 1) * (42.0 / 99));
    }

    /**
     * The share of the watched (unmasked) picture that must change: 5 % at sensitivity 1 down to 0.1 % at
     * 100, geometrically in between (0.7 % at 50).
     */
    double minimumArea() {
        return 0.05 * Math.pow(0.001 / 0.05, (sensitivity - 1) / 99.0);
    }
}
