package dev.doorward.device.hardware.gpio;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.hardware.config.DoorbellConfig.GpioConfig;
import dev.doorward.device.hardware.config.DoorbellConfig.Line;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Button, relay, tamper and chime logic with a fake chip and a mutable clock (one {@code tick} per step). */
class DoorbellGpioTest {
    private static final int BUTTON = 17;
    private static final int RELAY = 27;
    private static final int TAMPER = 22;
    private static final int CHIME = 23;

    private final MutableClock clock = new MutableClock();
    private final FakeGpioChip chip = new FakeGpioChip();
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicBoolean ringing = new AtomicBoolean();
    private DoorbellGpio gpio;

    private DoorbellGpio start(Duration pulse, boolean relayActiveLow) {
        return start(pulse, relayActiveLow, clock);
    }

    private DoorbellGpio start(Duration pulse, boolean relayActiveLow, java.time.Clock clock) {
        chip.set(TAMPER, false); // the case is shut: its normally-closed switch holds the line low
        GpioConfig config = new GpioConfig(
                Path.of("/dev/gpiochip0"),
                Optional.of(new Line(BUTTON, true)),
                Optional.of(new Line(RELAY, relayActiveLow)),
                Optional.of(new Line(TAMPER, false)),
                Optional.of(new Line(CHIME, false)),
                Duration.ofMillis(30),
                pulse);
        gpio = new DoorbellGpio(
                config,
                chip,
                clock,
                new DoorbellGpio.Doorbell() {
                    @Override
                    public void pressed() {
                        told.add("pressed");
                    }

                    @Override
                    public void held(Duration held) {
                        told.add("held " + held.toSeconds() + " s");
                    }

                    @Override
                    public void tampered() {
                        told.add("tampered");
                    }

                    @Override
                    public long doorReleases() {
                        return releases.get();
                    }

                    @Override
                    public boolean chimeRinging() {
                        return ringing.get();
                    }
                },
                Duration.ofSeconds(5));
        return gpio;
    }

    @AfterEach
    void close() {
        if (gpio != null) {
            gpio.close();
        }
    }

    private void step(Duration d) {
        clock.advance(d);
        gpio.tick();
    }

    /** The button closes to ground (active low): low is pressed. */
    private void button(boolean pressed) {
        chip.set(BUTTON, !pressed);
        gpio.tick(); // seen now; counts once steady for the debounce time
    }

    @Test
    void contactBounceIsOnePressAndAHeldOrStuckButtonRingsOnce() {
        start(Duration.ofSeconds(5), false);
        assertThat(chip.pullUp(BUTTON)).as("switches to ground get the pull-up").isTrue();
        assertThat(chip.pullUp(TAMPER))
                .as("the normally-closed tamper switch to ground too, though it is active-high")
                .isTrue();
        assertThat(chip.filter(BUTTON))
                .as("the chip's own filter, a third of ours")
                .isEqualTo(Duration.ofMillis(10));
        gpio.tick();
        // Bounce: 5 ms flickers never count.
        for (int i = 0; i < 6; i++) {
            button(i % 2 == 0);
            step(Duration.ofMillis(5));
        }
        button(false);
        step(Duration.ofMillis(100));
        assertThat(told).isEmpty();

        button(true);
        step(Duration.ofMillis(25));
        assertThat(told).as("not steady for 30 ms yet").isEmpty();
        step(Duration.ofMillis(10));
        eventually(() -> told.equals(List.of("pressed")));
        // Held for ten minutes: no second ring, and on release no hold either (a stuck button, not a person).
        for (int i = 0; i < 600; i++) {
            step(Duration.ofSeconds(1));
        }
        button(false);
        step(Duration.ofMillis(10));
        step(Duration.ofMillis(30));
        step(Duration.ofSeconds(1));
        assertThat(told).containsExactly("pressed");
    }

    @Test
    void aDeliberateHoldIsPassedOnWithItsLength() {
        start(Duration.ofSeconds(5), false);
        gpio.tick();
        button(true);
        step(Duration.ofMillis(40));
        step(Duration.ofSeconds(6));
        button(false);
        step(Duration.ofMillis(40));
        eventually(() -> told.equals(List.of("pressed", "held 6 s")));
    }

    @Test
    void theRelayPulsesForItsConfiguredTimeAndIsOffAfterClose() {
        start(Duration.ofSeconds(3), true);
        assertThat(chip.get(RELAY)).as("active-low relay starts high = off").isTrue();
        gpio.tick();
        releases.incrementAndGet();
        step(Duration.ofMillis(5));
        assertThat(gpio.relayEnergized()).isTrue();
        assertThat(chip.get(RELAY)).isFalse();
        step(Duration.ofMillis(2_990));
        assertThat(gpio.relayEnergized()).isTrue();
        step(Duration.ofMillis(10));
        assertThat(gpio.relayEnergized()).isFalse();
        assertThat(chip.get(RELAY)).isTrue();

        // Energized again and the process shuts down: de-energized at once.
        releases.incrementAndGet();
        step(Duration.ofMillis(5));
        assertThat(chip.get(RELAY)).isFalse();
        gpio.close();
        assertThat(chip.get(RELAY)).isTrue();
        assertThat(chip.closed).isTrue();
    }

    @Test
    void theRelayPulseHasAHardMaximum() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(Duration.ofSeconds(16), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most");
        start(GpioConfig.MAX_RELAY_PULSE, false);
        gpio.tick();
        // Door commands keep coming: each one restarts the pulse only when a new release is accepted.
        releases.incrementAndGet();
        step(Duration.ofMillis(5));
        for (int i = 0; i < 20; i++) {
            step(Duration.ofSeconds(1));
        }
        assertThat(gpio.relayEnergized()).isFalse();
        assertThat(chip.get(RELAY)).isFalse();
    }

    @Test
    void tamperIsReportedOnceWhenTheCaseOpensAndTheChimeFollowsTheAgentWithALimit() {
        start(Duration.ofSeconds(5), false);
        // A normally-closed switch to ground: the shut case holds the line low.
        chip.set(TAMPER, false);
        gpio.tick();
        step(Duration.ofSeconds(1));
        assertThat(told).isEmpty();
        chip.set(TAMPER, true); // the case opens: the pull-up takes the line high
        gpio.tick();
        step(Duration.ofMillis(40));
        eventually(() -> told.equals(List.of("tampered")));
        step(Duration.ofSeconds(5));
        assertThat(told).containsExactly("tampered");

        ringing.set(true);
        step(Duration.ofMillis(5));
        assertThat(chip.get(CHIME)).isTrue();
        ringing.set(false);
        step(Duration.ofMillis(5));
        assertThat(chip.get(CHIME)).isFalse();
        ringing.set(true);
        step(Duration.ofMillis(5));
        step(GpioConfig.MAX_RELAY_PULSE);
        assertThat(chip.get(CHIME)).as("a chime stuck ringing is switched off").isFalse();
    }

    /**
     * On its own thread with the real clock: a press is an edge that wakes the thread (rung after the debounce
     * time), and while nothing changes the inputs are not read at all and the thread wakes only for the outputs'
     * check (every 20 ms, not every 5 ms). A door release drives the relay within that check; close switches it
     * off and stops the thread.
     */
    @Test
    void edgesWakeTheThreadAndAnIdleDoorbellReadsNoInput() throws Exception {
        start(Duration.ofMillis(500), false, java.time.Clock.systemUTC()).start();
        Thread.sleep(300);
        int reads = chip.inputReads();
        int waits = chip.waits();
        Thread.sleep(500);
        assertThat(chip.inputReads()).as("no input read while nothing changes").isEqualTo(reads);
        assertThat(chip.waits() - waits)
                .as("wake-ups in 500 ms")
                .isBetween(1, 40); // 25 expected; polling every 5 ms would be 100

        long before = System.nanoTime();
        chip.set(BUTTON, false); // pressed
        eventually(() -> told.equals(List.of("pressed")));
        long tookMs = (System.nanoTime() - before) / 1_000_000;
        assertThat(tookMs).as("rung once steady for 30 ms").isBetween(30L, 2_000L);
        assertThat(chip.inputReads()).isGreaterThan(reads);

        releases.incrementAndGet();
        eventually(() -> chip.get(RELAY));
        eventually(() -> !chip.get(RELAY)); // the 500 ms pulse ends by itself
        releases.incrementAndGet();
        eventually(() -> chip.get(RELAY));
        gpio.close();
        assertThat(chip.get(RELAY)).as("off at close").isFalse();
        assertThat(chip.closed).isTrue();
    }
}
