package dev.doorward.device.hardware.systemd;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's health, told to systemd's watchdog from the main loop: {@link #beat()} runs every check and pings
 * only when all pass. No timer thread pings on its own (it would keep pinging while the agent hangs); a check
 * that hangs holds the beat up, and a missed ping is what makes systemd restart the agent.
 */
public final class Watchdog {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    /** One part's health: empty when healthy, else what is wrong. */
    public record Check(String name, Supplier<Optional<String>> problem) {}

    private final Optional<SystemdNotify> notify;
    private final List<Check> checks;

    public Watchdog(Optional<SystemdNotify> notify, List<Check> checks) {
        this.notify = notify;
        this.checks = List.copyOf(checks);
    }

    /** Runs every check; pings systemd if all pass. Returns the problems (empty: healthy). */
    public List<String> beat() {
        List<String> problems = new ArrayList<>();
        for (Check check : checks) {
            try {
                check.problem().get().ifPresent(p -> problems.add(check.name() + ": " + p));
            } catch (RuntimeException e) {
                problems.add(check.name() + ": " + e);
            }
        }
        if (problems.isEmpty()) {
            notify.ifPresent(SystemdNotify::watchdogPing);
        } else {
            log.error("Unhealthy, not telling systemd's watchdog (it restarts the agent if this lasts): {}", problems);
        }
        return problems;
    }
}
