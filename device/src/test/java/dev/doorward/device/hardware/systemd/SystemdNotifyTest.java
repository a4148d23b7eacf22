package dev.doorward.device.hardware.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify over a real Unix datagram socket: python3 (installed by .ci/run) binds it and prints what arrives,
 * as systemd would receive it.
 */
class SystemdNotifyTest {
    private static final String RECEIVER = """
            import socket, sys
            name = sys.argv[1]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind('\\0' + name[1:] if name.startswith('@') else name)
            print('bound', flush=True)
            while True:
                print(s.recv(4096).decode().replace('\\n', '|'), flush=True)
            """;

    @TempDir
    Path temp;

    private Process receiver;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() {
        if (receiver != null) {
            receiver.destroyForcibly();
        }
    }

    private void listen(String socket) throws Exception {
        receiver = new ProcessBuilder("python3", "-c", RECEIVER, socket)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("bound");
        Thread.ofVirtual().start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    received.add(line);
                }
            } catch (java.io.IOException e) {
                // receiver gone
            }
        });
    }

    private String next() throws InterruptedException {
        String message = received.poll(10, TimeUnit.SECONDS);
        assertThat(message).as("a datagram within 10 s").isNotNull();
        return message;
    }

    @Test
    void readyWatchdogAndStoppingReachAUnixDatagramSocket() throws Exception {
        String socket = temp.resolve("notify").toString();
        listen(socket);
        SystemdNotify systemd = SystemdNotify.fromEnvironment(
                        Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC", "30000000"))
                .orElseThrow();
        try {
            assertThat(systemd.watchdog()).contains(Duration.ofSeconds(30));
            systemd.ready();
            assertThat(next()).isEqualTo("READY=1|STATUS=Doorbell running");
            systemd.watchdogPing();
            assertThat(next()).isEqualTo("WATCHDOG=1");
            systemd.stopping();
            assertThat(next()).isEqualTo("STOPPING=1");
        } finally {
            systemd.close();
        }
    }

    @Test
    void anAbstractSocketNameWorksToo() throws Exception {
        String socket = "@doorward-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        listen(socket);
        SystemdNotify systemd =
                SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket)).orElseThrow();
        try {
            assertThat(systemd.watchdog()).isEmpty();
            systemd.ready();
            assertThat(next()).startsWith("READY=1");
        } finally {
            systemd.close();
        }
    }

    /** The ping comes from the checks' result, not from a timer: an unhealthy part withholds it. */
    @Test
    void anUnhealthyPartWithholdsThePing() throws Exception {
        String socket = temp.resolve("notify").toString();
        listen(socket);
        SystemdNotify systemd =
                SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket)).orElseThrow();
        AtomicReference<Optional<String>> agent = new AtomicReference<>(Optional.empty());
        Watchdog watchdog = new Watchdog(
                Optional.of(systemd),
                List.of(new Watchdog.Check("agent", agent::get), new Watchdog.Check("broken", () -> {
                    if (agent.get().isPresent()) {
                        throw new IllegalStateException("boom");
                    }
                    return Optional.empty();
                })));
        try {
            assertThat(watchdog.beat()).isEmpty();
            assertThat(next()).isEqualTo("WATCHDOG=1");

            agent.set(Optional.of("its thread did not run a task within 5 s"));
            assertThat(watchdog.beat())
                    .containsExactly(
                            "agent: its thread did not run a task within 5 s",
                            "broken: java.lang.IllegalStateException: boom");
            assertThat(received.poll(500, TimeUnit.MILLISECONDS)).isNull();

            agent.set(Optional.empty());
            assertThat(watchdog.beat()).isEmpty();
            assertThat(next()).isEqualTo("WATCHDOG=1");
        } finally {
            systemd.close();
        }
    }

    @Test
    void theEnvironmentDecides() {
        assertThat(SystemdNotify.fromEnvironment(Map.of())).isEmpty();
        String socket = temp.resolve("nobody-listens").toString();
        SystemdNotify other = SystemdNotify.fromEnvironment(
                        Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "1"))
                .orElseThrow();
        try {
            assertThat(other.watchdog())
                    .as("the watchdog is for another process")
                    .isEmpty();
            // Nobody listens there: logged, never thrown (it must not stop a shutdown or the main loop).
            other.ready();
            other.stopping();
        } finally {
            other.close();
        }
    }
}
