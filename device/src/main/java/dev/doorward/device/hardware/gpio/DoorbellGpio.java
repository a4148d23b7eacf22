package dev.doorward.device.hardware.gpio;

import dev.doorward.device.hardware.config.DoorbellConfig.GpioConfig;
import dev.doorward.device.hardware.config.DoorbellConfig.Line;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doorbell's button, door relay, tamper switch and chime on GPIO. Its thread sleeps in
 * {@link GpioChip#awaitEdges} until an input line changes (inputs are read only then, and at the end of a
 * debounce), a deadline (debounce, relay pulse) or {@link #OUTPUT_CHECK} passes; tests drive {@link #tick()}
 * themselves with a mutable clock.
 *
 * <ul>
 *   <li>Button: debounced; a press rings at once (one ring per press: a button held or stuck for minutes rings
 *       once); on release, a hold of at least the pairing hold is passed on (pairing window, reset), but a
 *       hold of {@link #STUCK} or longer is taken for a stuck button and ignored.
 *   <li>Relay: each door release the agent accepted energizes it for the configured pulse, never longer than
 *       {@link GpioConfig#MAX_RELAY_PULSE}, counted here from when it was energized, whatever else happens.
 *       {@link #close()} (also from a shutdown hook) de-energizes it; docs/hardware.md has the wiring that
 *       keeps the door locked if the process dies (fail-secure lock, systemd's ExecStopPost).
 *   <li>Tamper: debounced; becoming active reports a tamper event.
 *   <li>Chime: follows the agent's chime (on while it rings, bounded by the same maximum).
 * </ul>
 *
 * The agent's actions run on a separate thread, so a slow agent never delays the relay's switch-off.
 */
public final class DoorbellGpio implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DoorbellGpio.class);

    /**
     * How often the outputs follow the agent's state (door releases, chime) and the watchdog's time stamp is
     * renewed: the agent has no change callback yet, so this is read from memory, not from the GPIO lines.
     */
    public static final Duration OUTPUT_CHECK = Duration.ofMillis(20);
    /** A hold this long is a stuck button (or something leaning on it), not a person. */
    public static final Duration STUCK = Duration.ofSeconds(60);

    /** What the GPIO tells the agent, and reads from it. */
    public interface Doorbell {
        void pressed();

        void held(Duration held);

        void tampered();

        /** How many door releases the agent accepted so far (each one is a relay pulse). */
        long doorReleases();

        boolean chimeRinging();
    }

    private final GpioConfig config;
    private final GpioChip chip;
    private final Clock clock;
    private final Doorbell doorbell;
    private final Duration pairingHold;
    private final ExecutorService actions;

    private final GpioChip.InputLine button;
    private final GpioChip.OutputLine relay;
    private final GpioChip.InputLine tamper;
    private final GpioChip.OutputLine chime;
    private final Debouncer buttonDebounce;
    private final Debouncer tamperDebounce;

    // Guarded by this.
    private Instant pressedAt;
    private long releasesSeen;
    private Instant relayOffAt;
    private Instant chimeOnSince;
    private boolean relayOn;
    private boolean chimeOn;
    private boolean closed;
    private Thread thread;
    private Instant lastTick;

    /**
     * Requests the configured lines, outputs inactive from the first moment.
     *
     * @param pairingHold the shortest hold passed on to the agent (shorter ones are just a press)
     */
    public DoorbellGpio(GpioConfig config, GpioChip chip, Clock clock, Doorbell doorbell, Duration pairingHold) {
        this.config = Objects.requireNonNull(config, "config");
        this.chip = Objects.requireNonNull(chip, "chip");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.doorbell = Objects.requireNonNull(doorbell, "doorbell");
        this.pairingHold = pairingHold;
        this.actions = Executors.newSingleThreadExecutor(
                Thread.ofVirtual().name("gpio-actions").factory());
        // The chip's own filter at a third of ours: contact chatter stays in the kernel, and a press still counts
        // after about 4/3 of the debounce time.
        Duration filter = config.debounce().dividedBy(3);
        // Every input gets the pull-up: the wiring (docs/hardware.md) is a switch to ground, also for the
        // normally-closed tamper switch, which is active-high (the pull-up takes the line high when the case
        // opens); a line driven by a push-pull output is not disturbed by it.
        this.button =
                config.button().map(l -> chip.input(l.offset(), true, filter)).orElse(null);
        this.tamper =
                config.tamper().map(l -> chip.input(l.offset(), true, filter)).orElse(null);
        this.relay = config.relay()
                .map(l -> chip.output(l.offset(), level(l, false)))
                .orElse(null);
        this.chime = config.chime()
                .map(l -> chip.output(l.offset(), level(l, false)))
                .orElse(null);
        this.buttonDebounce = new Debouncer(config.debounce(), false);
        this.tamperDebounce = new Debouncer(config.debounce(), false);
        this.releasesSeen = doorbell.doorReleases();
    }

    /** Waits for edges on a platform thread (steady timing) until closed; de-energizes the relay on JVM shutdown. */
    public synchronized DoorbellGpio start() {
        thread = Thread.ofPlatform().daemon().name("gpio").start(this::run);
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "gpio-fail-safe"));
        return this;
    }

    private void run() {
        while (true) {
            Duration wait;
            synchronized (this) {
                if (closed) {
                    return;
                }
                wait = nextWait(clock.instant());
            }
            try {
                List<Integer> edges = chip.awaitEdges(wait);
                step(!edges.isEmpty());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Never leave the relay on because a read failed.
                log.error("GPIO failed; relay off", e);
                forceOff();
                try {
                    Thread.sleep(OUTPUT_CHECK); // no busy loop on a line that keeps failing
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** How long the thread may sleep: until the outputs' check, a debounce's end or the relay's switch-off. */
    private Duration nextWait(Instant now) {
        Instant until = now.plus(OUTPUT_CHECK);
        for (Debouncer d : List.of(buttonDebounce, tamperDebounce)) {
            Instant settles = d.settlesAt().orElse(until);
            until = settles.isBefore(until) ? settles : until;
        }
        if (relayOn && relayOffAt.isBefore(until)) {
            until = relayOffAt;
        }
        Duration wait = Duration.between(now, until);
        return wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait;
    }

    private static final Duration MIN_WAIT = Duration.ofMillis(1);

    /** After a wait: the inputs are read if one had an edge or a debounce is due; the outputs always. */
    private synchronized void step(boolean edges) {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        lastTick = now;
        if (edges
                || buttonDebounce.settlesAt().isPresent()
                || tamperDebounce.settlesAt().isPresent()) {
            inputs(now);
        }
        outputs(now);
    }

    /** Inputs read and debounced, outputs driven (the thread's step, with every input read). */
    public synchronized void tick() {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        lastTick = now;
        inputs(now);
        outputs(now);
    }

    private void inputs(Instant now) {
        if (button != null) {
            boolean active = active(config.button().orElseThrow(), button.level());
            buttonDebounce.sample(active, now).ifPresent(down -> buttonChanged(down, now));
        }
        if (tamper != null) {
            boolean active = active(config.tamper().orElseThrow(), tamper.level());
            tamperDebounce.sample(active, now).ifPresent(open -> {
                if (open) {
                    log.warn("Tamper switch opened");
                    actions.execute(guarded(doorbell::tampered));
                }
            });
        }
    }

    private void outputs(Instant now) {
        if (relay != null) {
            long releases = doorbell.doorReleases();
            if (releases > releasesSeen) {
                releasesSeen = releases;
                relayOffAt = now.plus(config.relayPulse()); // bounded by MAX_RELAY_PULSE in GpioConfig
                setRelay(true);
            }
            if (relayOn && !now.isBefore(relayOffAt)) {
                setRelay(false);
            }
        }
        if (chime != null) {
            boolean want = doorbell.chimeRinging();
            if (want && !chimeOn) {
                chimeOnSince = now;
            }
            if (want && !now.isBefore(chimeOnSince.plus(GpioConfig.MAX_RELAY_PULSE))) {
                want = false; // a chime stuck "ringing" is switched off all the same
            }
            setChime(want);
        }
    }

    private void buttonChanged(boolean down, Instant now) {
        if (down) {
            pressedAt = now;
            actions.execute(guarded(doorbell::pressed));
            return;
        }
        if (pressedAt == null) {
            return;
        }
        Duration held = Duration.between(pressedAt, now);
        pressedAt = null;
        if (held.compareTo(STUCK) >= 0) {
            log.warn("Button released after {} s: taken for a stuck button, not a hold", held.toSeconds());
        } else if (held.compareTo(pairingHold) >= 0) {
            actions.execute(guarded(() -> doorbell.held(held)));
        }
    }

    /** When the thread last woke (null before): it wakes every {@link #OUTPUT_CHECK}, so a pause is a sick doorbell. */
    public synchronized Instant lastTick() {
        return lastTick;
    }

    public synchronized boolean relayEnergized() {
        return relayOn;
    }

    public synchronized boolean chimeOn() {
        return chimeOn;
    }

    private void setRelay(boolean on) {
        Line line = config.relay().orElseThrow();
        relay.level(level(line, on));
        if (on != relayOn) {
            log.info("Door relay {}", on ? "energized" : "released");
        }
        relayOn = on;
    }

    private void setChime(boolean on) {
        if (on != chimeOn) {
            chime.level(level(config.chime().orElseThrow(), on));
            chimeOn = on;
        }
    }

    private synchronized void forceOff() {
        try {
            if (relay != null) {
                setRelay(false);
            }
            if (chime != null) {
                setChime(false);
            }
        } catch (RuntimeException e) {
            log.error("Could not switch the GPIO outputs off", e);
        }
    }

    /** De-energizes the relay and the chime and releases the lines. Safe to call twice, from any thread. */
    @Override
    public void close() {
        Thread thread;
        synchronized (this) {
            if (closed) {
                return;
            }
            forceOff();
            closed = true;
            thread = this.thread;
        }
        if (thread != null) {
            thread.interrupt();
        }
        actions.shutdownNow();
        chip.close();
    }

    private static boolean active(Line line, boolean level) {
        return level != line.activeLow();
    }

    private static boolean level(Line line, boolean active) {
        return active != line.activeLow();
    }

    private static Runnable guarded(Runnable action) {
        return () -> {
            try {
                action.run();
            } catch (RuntimeException e) {
                log.warn("Doorbell action failed", e);
            }
        };
    }
}
