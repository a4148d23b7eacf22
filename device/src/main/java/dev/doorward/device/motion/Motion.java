package dev.doorward.device.motion;

import java.time.Instant;
import java.util.Objects;

/**
 * Motion the detector reports.
 *
 * @param at capture time of the frame that confirmed it
 * @param score the share of the watched (unmasked) picture that changed, 0..1
 * @param box the smallest region holding every changed part
 */
public record Motion(Instant at, double score, Region box) {
    public Motion {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(box, "box");
        if (!(score > 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in (0, 1]");
        }
    }
}
