package dev.doorward.device.motion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Rectangle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MotionSettingsTest {
    private static final Region ZONE = new Region(0.1, 0.1, 0.2, 0.2);

    @Test
    void defaultsAreValid() {
        MotionSettings d = MotionSettings.defaults();
        assertThat(d.sensitivity()).isEqualTo(50);
        assertThat(d.maskedZones()).isEmpty();
        assertThat(d.cooldown()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.enabled()).isTrue();
        assertThat(d.withSensitivity(0).enabled()).isFalse();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new MotionSettings(-1, List.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sensitivity");
        assertThatThrownBy(() -> new MotionSettings(101, List.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MotionSettings(50, List.of(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cooldown");
        assertThatThrownBy(() -> new MotionSettings(50, List.of(), Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MotionSettings(50, null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new MotionSettings(50, List.of(), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new MotionSettings(50, Collections.nCopies(33, ZONE), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zones");
        List<Region> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new MotionSettings(50, withNull, Duration.ZERO))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void theZoneListIsCopied() {
        List<Region> zones = new ArrayList<>(List.of(ZONE));
        MotionSettings settings = new MotionSettings(50, zones, Duration.ZERO);
        zones.clear();
        assertThat(settings.maskedZones()).containsExactly(ZONE);
        assertThatThrownBy(() -> settings.maskedZones().add(ZONE)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void regionsOutsideThePictureOrEmptyAreRefused() {
        assertThatThrownBy(() -> new Region(-0.1, 0, 0.5, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Region(0.6, 0, 0.5, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Region(0, 0.9, 0.5, 0.2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Region(0, 0, 0, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Region(0, 0, 0.5, -0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Region(Double.NaN, 0, 0.5, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Region.whole()).isEqualTo(new Region(0, 0, 1, 1));
    }

    @Test
    void pixelRectanglesBecomeNormalisedAndClipped() {
        assertThat(Region.ofPixels(new Rectangle(0, 0, 640, 56), 640, 480)).isEqualTo(new Region(0, 0, 1, 56 / 480.0));
        assertThat(Region.ofPixels(new Rectangle(600, 400, 100, 100), 640, 480))
                .isEqualTo(new Region(600 / 640.0, 400 / 480.0, 40 / 640.0, 80 / 480.0));
        assertThatThrownBy(() -> Region.ofPixels(new Rectangle(700, 0, 10, 10), 640, 480))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thresholdsFallAndAreaShrinksAsSensitivityRises() {
        for (int s = 1; s < 100; s++) {
            MotionSettings lower = new MotionSettings(s, List.of(), Duration.ZERO);
            MotionSettings higher = new MotionSettings(s + 1, List.of(), Duration.ZERO);
            assertThat(higher.cellThreshold()).isLessThanOrEqualTo(lower.cellThreshold());
            assertThat(higher.minimumArea()).isLessThan(lower.minimumArea());
        }
        assertThat(new MotionSettings(1, List.of(), Duration.ZERO).cellThreshold())
                .isEqualTo(48);
        assertThat(new MotionSettings(100, List.of(), Duration.ZERO).cellThreshold())
                .isEqualTo(6);
    }
}
