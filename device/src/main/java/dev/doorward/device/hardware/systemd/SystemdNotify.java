package dev.doorward.device.hardware.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's notification protocol ({@code sd_notify}): {@code READY=1} once the agent runs ({@code Type=notify}),
 * {@code WATCHDOG=1} while it is healthy ({@code WatchdogSec=}), {@code STOPPING=1} on the way out. Datagrams to
 * the Unix socket named by {@code $NOTIFY_SOCKET}; the JDK cannot send Unix datagrams, so the sender is the FFM
 * class in src/main/java22, loaded by name like the GPIO chip.
 */
public final class SystemdNotify {
    /** Sends one datagram to the notification socket. */
    public interface Sender extends AutoCloseable {
        void send(String message);

        @Override
        void close();
    }

    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

    private final Sender sender;
    private final Optional<Duration> watchdog;

    SystemdNotify(Sender sender, Optional<Duration> watchdog) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.watchdog = watchdog;
    }

    /**
     * From the service's environment; empty when not started by systemd with {@code Type=notify} (no
     * {@code NOTIFY_SOCKET}).
     *
     * @throws IllegalStateException when the socket is named but cannot be used (Java 21, no FFM)
     */
    public static Optional<SystemdNotify> fromEnvironment(Map<String, String> env) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> watchdog = Optional.empty();
        String usec = env.get("WATCHDOG_USEC");
        String pid = env.get("WATCHDOG_PID");
        boolean forUs =
                pid == null || pid.equals(Long.toString(ProcessHandle.current().pid()));
        if (usec != null && forUs) {
            try {
                long micros = Long.parseLong(usec);
                if (micros > 0) {
                    watchdog = Optional.of(Duration.ofNanos(micros * 1000));
                }
            } catch (NumberFormatException e) {
                // no watchdog then
            }
        }
        return Optional.of(new SystemdNotify(open(socket), watchdog));
    }

    static Sender open(String socket) {
        try {
            return (Sender) Class.forName("dev.doorward.device.hardware.systemd.UnixDatagramSender")
                    .getConstructor(String.class)
                    .newInstance(socket);
        } catch (UnsupportedClassVersionError e) {
            throw new IllegalStateException("sd_notify needs Java 22 or later (docs/hardware.md: install JDK 25)", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException(
                    "cannot use NOTIFY_SOCKET: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the sd_notify sender is missing from this build", e);
        }
    }

    /** systemd's watchdog timeout ({@code WatchdogSec=}), if it watches this process. */
    public Optional<Duration> watchdog() {
        return watchdog;
    }

    public void ready() {
        send("READY=1\nSTATUS=Doorbell running");
    }

    public void watchdogPing() {
        send("WATCHDOG=1");
    }

    public void stopping() {
        send("STOPPING=1");
    }

    /** Never throws: a notification that cannot be sent must not stop a shutdown or the main loop. */
    private void send(String message) {
        try {
            sender.send(message);
        } catch (RuntimeException e) {
            log.warn(
                    "Could not tell systemd {}: {}", message.lines().findFirst().orElse(""), e.getMessage());
        }
    }

    public void close() {
        sender.close();
    }
}
