package dev.doorward.device.door;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChimeTest {
    @Test
    void ringsAtThePressUnlessSilencedAndRingsAgainByItselfWhenTheSilenceIsOver() {
        MutableClock clock = new MutableClock();
        Chime chime = new Chime(clock);
        assertThat(chime.ring()).isTrue();
        assertThat(chime.isRinging()).isTrue();
        clock.advance(Chime.RING_FOR);
        assertThat(chime.isRinging()).isFalse();

        chime.silenceFor(Duration.ofMinutes(30));
        assertThat(chime.silencedUntil()).isPresent();
        assertThat(chime.ring()).isFalse();
        assertThat(chime.isRinging()).isFalse();

        // No message needed: the doorbell's own clock ends the silence.
        clock.advance(Duration.ofMinutes(30));
        assertThat(chime.silencedUntil()).isEmpty();
        assertThat(chime.ring()).isTrue();
        assertThat(chime.rings()).isEqualTo(2);

        // Zero: ring again now.
        chime.silenceFor(Duration.ofHours(1));
        chime.silenceFor(Duration.ZERO);
        assertThat(chime.ring()).isTrue();
        assertThatThrownBy(() -> chime.silenceFor(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
