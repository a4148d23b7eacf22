package dev.doorward.device.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.pairing.PairingWindow.State;
import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PairingWindowTest {
    private final MutableClock clock = new MutableClock();
    private final PairingWindow window = new PairingWindow(clock);

    @Test
    void startsClosed() {
        assertThat(window.state()).isEqualTo(State.CLOSED);
        assertThat(window.isOpen()).isFalse();
    }

    @Test
    void powerUpOpensIt() {
        window.powerUp();

        assertThat(window.isOpen()).isTrue();
    }

    @Test
    void aShortPressDoesNotOpenIt() {
        assertThat(window.buttonHeld(Duration.ofMillis(4999))).isFalse();
        assertThat(window.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void aHoldOfFiveSecondsOpensIt() {
        assertThat(window.buttonHeld(Duration.ofSeconds(5))).isTrue();
        assertThat(window.isOpen()).isTrue();
    }

    @Test
    void theHoldThresholdIsConfigurable() {
        PairingWindow quick = new PairingWindow(clock, Duration.ofMinutes(10), Duration.ofSeconds(2), 5);

        assertThat(quick.buttonHeld(Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void closesByItselfAfterTenMinutes() {
        window.powerUp();
        clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertThat(window.isOpen()).isTrue();

        clock.advance(Duration.ofMillis(1));

        assertThat(window.isOpen()).isFalse();
        assertThat(window.state()).isEqualTo(State.EXPIRED);
    }

    @Test
    void aNewHoldReopensAnExpiredWindowForAnotherTenMinutes() {
        window.powerUp();
        clock.advance(Duration.ofMinutes(11));
        window.buttonHeld(Duration.ofSeconds(6));
        clock.advance(Duration.ofMinutes(9));

        assertThat(window.isOpen()).isTrue();
    }

    @Test
    void closesAfterFiveWrongCodes() {
        window.powerUp();
        for (int i = 1; i <= 4; i++) {
            assertThat(window.wrongCode()).isFalse();
            assertThat(window.isOpen()).isTrue();
        }

        assertThat(window.wrongCode()).isTrue();

        assertThat(window.state()).isEqualTo(State.LOCKED_OUT);
        assertThat(window.isOpen()).isFalse();
    }

    @Test
    void aPhysicalResetOpensALockedOutWindowAndForgivesTheFailures() {
        window.powerUp();
        for (int i = 0; i < 5; i++) {
            window.wrongCode();
        }
        assertThat(window.state()).isEqualTo(State.LOCKED_OUT);

        window.physicalReset();

        assertThat(window.isOpen()).isTrue();
        assertThat(window.failures()).isZero();
    }

    @Test
    void aLockedOutWindowStaysShutWhateverTheClockSays() {
        window.powerUp();
        for (int i = 0; i < 5; i++) {
            window.wrongCode();
        }
        clock.advance(Duration.ofDays(2));

        assertThat(window.state()).isEqualTo(State.LOCKED_OUT);
        assertThat(window.wrongCode()).isFalse();
    }

    @Test
    void onlyANewHoldReopensALockedOutWindowAndForgivesTheFailures() {
        window.powerUp();
        for (int i = 0; i < 5; i++) {
            window.wrongCode();
        }
        assertThat(window.buttonHeld(Duration.ofSeconds(1))).isFalse();
        assertThat(window.isOpen()).isFalse();

        assertThat(window.buttonHeld(Duration.ofSeconds(5))).isTrue();

        assertThat(window.isOpen()).isTrue();
        assertThat(window.failures()).isZero();
    }

    @Test
    void failuresAreNotForgivenByWaitingForTheWindowToExpire() {
        window.powerUp();
        window.wrongCode();
        window.wrongCode();
        window.wrongCode();
        clock.advance(Duration.ofMinutes(11));

        assertThat(window.isOpen()).isFalse();
        assertThat(window.failures()).isEqualTo(3);
    }

    @Test
    void wrongCodesWhileClosedDoNotCount() {
        assertThat(window.wrongCode()).isFalse();
        assertThat(window.failures()).isZero();
    }

    @Test
    void closeEndsIt() {
        window.powerUp();
        window.close();

        assertThat(window.state()).isEqualTo(State.CLOSED);
    }
}
