package dev.doorward.device.hardware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.RandomIds;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.Eventually;
import dev.doorward.device.TestHub;
import dev.doorward.device.TestQr;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.hardware.config.DoorbellConfig;
import dev.doorward.device.hardware.config.DoorbellConfigFile;
import dev.doorward.device.hardware.gpio.DoorbellGpio;
import dev.doorward.device.hardware.gpio.GpioChip;
import dev.doorward.device.hardware.onvif.ButtonTopic;
import dev.doorward.device.hardware.onvif.OnvifButton;
import dev.doorward.device.hardware.onvif.OnvifDoorbellStandIn;
import dev.doorward.device.hardware.onvif.OnvifSettings;
import dev.doorward.device.hardware.systemd.Watchdog;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoorbellMainTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    /**
     * A bridge configured with button.source = onvif: the doorbell's own "visitor" event over ONVIF becomes a ring
     * at the hub (real mutual TLS to the device module's hub stand-in), once per press.
     */
    @Test
    void aBridgesOnvifButtonRingsTheHub() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        SecureRandom random = new SecureRandom();
        MintedDevice minted = Factory.mint(temp.resolve("ca"), temp.resolve("device"), clock, random);
        Path credentials = temp.resolve("onvif.credentials");
        Files.createFile(
                credentials, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(credentials, "user=admin\npassword=bridge-pass\n");
        try (TestHub hub = new TestHub(DeviceIdentity.load(minted.deviceDir()).manufacturerCa(), clock, random);
                OnvifDoorbellStandIn doorbell = new OnvifDoorbellStandIn("admin", "bridge-pass", Duration.ZERO)) {
            DoorbellConfig config = DoorbellConfigFile.parse(
                    "doorbell.conf", """
                    device.dir = %s
                    camera.source = synthetic
                    button.source = onvif
                    onvif.url = %s
                    onvif.credentials = %s
                    """.formatted(minted.deviceDir(), doorbell.deviceService(), credentials));
            try (DeviceAgent agent = DeviceAgent.start(DeviceConfig.of(config.deviceDir())
                            .withClock(clock)
                            .withRandom(random)
                            .withScanInterval(Duration.ofMillis(20))
                            .withReconnect(Duration.ofMillis(10), Duration.ofMillis(100)));
                    OnvifButton button =
                            DoorbellMain.startOnvif(config, agent, clock).orElseThrow()) {
                ClaimCode code = hub.issueTicket(minted.setupCode(), RandomIds.newSecret());
                agent.camera().show(TestQr.qr(code.format()));
                assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
                agent.camera().clearShown();
                assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
                Eventually.eventually(WAIT, () -> button.status().subscribed());

                doorbell.visitor(true);
                doorbell.visitor(true); // held
                Eventually.eventually(WAIT, () -> hub.events(EventKind.RING).size() == 1);
                Eventually.eventually(WAIT, () -> doorbell.pendingNotifications() == 0);
                doorbell.visitor(false);
                doorbell.visitor(true);
                Eventually.eventually(WAIT, () -> hub.events(EventKind.RING).size() == 2);
                Eventually.eventually(WAIT, () -> agent.pendingEvents() == 0);
                assertThat(button.status().rings()).isEqualTo(2);

                // The watchdog's checks on a running bridge: the agent's thread answers, the ONVIF loop progresses.
                assertThat(new Watchdog(Optional.empty(), DoorbellMain.healthChecks(agent, null, button, clock)).beat())
                        .isEmpty();
            }
        }
    }

    /**
     * The real DoorbellMain in its own JVM, started as systemd starts it (NOTIFY_SOCKET, WATCHDOG_USEC): READY=1
     * once running, WATCHDOG=1 from its main loop, STOPPING=1 on SIGTERM. python3 binds the datagram socket.
     */
    @Test
    void theAgentTellsSystemdItIsReadyThenAliveThenStopping() throws Exception {
        MintedDevice minted = Factory.mint(
                temp.resolve("ca"), temp.resolve("device"), new MutableClock(Instant.now()), new SecureRandom());
        Path conf = temp.resolve("doorbell.conf");
        Files.writeString(conf, "device.dir = " + minted.deviceDir() + "\ncamera.source = synthetic\n");
        String socket = temp.resolve("notify").toString();
        Process receiver = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import socket, sys\n"
                                + "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                                + "s.bind(sys.argv[1])\n"
                                + "print('bound', flush=True)\n"
                                + "while True:\n"
                                + "    print(s.recv(4096).decode().replace('\\n', '|'), flush=True)\n",
                        socket)
                .start();
        Process doorbell = null;
        try {
            var lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(receiver.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(lines.readLine()).isEqualTo("bound");
            ProcessBuilder builder = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                            "-cp",
                            System.getProperty("java.class.path"),
                            DoorbellMain.class.getName(),
                            "--config",
                            conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(temp.resolve("doorbell.log").toFile());
            builder.environment().put("NOTIFY_SOCKET", socket);
            builder.environment().put("WATCHDOG_USEC", "3000000"); // a beat every second
            doorbell = builder.start();
            java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        received.add(line);
                    }
                } catch (java.io.IOException e) {
                    // receiver gone
                }
            });
            assertThat(received.poll(60, java.util.concurrent.TimeUnit.SECONDS))
                    .as("READY=1 (log: %s)", temp.resolve("doorbell.log"))
                    .isEqualTo("READY=1|STATUS=Doorbell running");
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("WATCHDOG=1");
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("WATCHDOG=1");

            doorbell.destroy(); // SIGTERM, as systemctl stop
            assertThat(doorbell.waitFor(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            java.util.List<String> after = new java.util.ArrayList<>();
            for (String m; (m = received.poll(2, java.util.concurrent.TimeUnit.SECONDS)) != null; ) {
                after.add(m);
            }
            assertThat(after).contains("STOPPING=1");
            assertThat(Files.readString(temp.resolve("doorbell.log"))).contains("Doorbell running");
        } finally {
            if (doorbell != null) {
                doorbell.destroyForcibly();
            }
            receiver.destroyForcibly();
        }
    }

    /**
     * The watchdog's checks name the part that stopped: a GPIO thread that no longer wakes (5 s), an ONVIF loop
     * without progress for longer than its longest legitimate wait.
     */
    @Test
    void theWatchdogNamesAGpioThreadThatStoppedAndAnOnvifLoopThatHangs() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        SecureRandom random = new SecureRandom();
        MintedDevice minted = Factory.mint(temp.resolve("ca"), temp.resolve("device"), clock, random);
        GpioChip chip = new GpioChip() {
            @Override
            public InputLine input(int offset, boolean pullUp, Duration filter) {
                return () -> true; // released (active-low button)
            }

            @Override
            public java.util.List<Integer> awaitEdges(Duration timeout) {
                return java.util.List.of();
            }

            @Override
            public OutputLine output(int offset, boolean level) {
                return high -> {};
            }

            @Override
            public void close() {}
        };
        DoorbellConfig.GpioConfig lines = new DoorbellConfig.GpioConfig(
                Path.of("/dev/gpiochip0"),
                Optional.of(new DoorbellConfig.Line(17, true)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Duration.ofMillis(30),
                Duration.ofSeconds(5));
        DoorbellGpio.Doorbell nothing = new DoorbellGpio.Doorbell() {
            @Override
            public void pressed() {}

            @Override
            public void held(Duration held) {}

            @Override
            public void tampered() {}

            @Override
            public long doorReleases() {
                return 0;
            }

            @Override
            public boolean chimeRinging() {
                return false;
            }
        };
        try (DeviceAgent agent = DeviceAgent.start(
                DeviceConfig.of(minted.deviceDir()).withClock(clock).withRandom(random))) {
            // Neither is started: the test drives the GPIO's polls and the clock itself.
            DoorbellGpio gpio = new DoorbellGpio(lines, chip, clock, nothing, Duration.ofSeconds(5));
            OnvifButton onvif = new OnvifButton(
                    new OnvifSettings(
                            java.net.URI.create("http://127.0.0.1:9/onvif/device_service"),
                            Optional.empty(),
                            ButtonTopic.known()),
                    clock,
                    random,
                    () -> {});
            Watchdog watchdog = new Watchdog(Optional.empty(), DoorbellMain.healthChecks(agent, gpio, onvif, clock));

            assertThat(watchdog.beat()).containsExactly("gpio: the GPIO thread has not woken since null");
            gpio.tick();
            assertThat(watchdog.beat()).isEmpty();
            clock.advance(Duration.ofSeconds(6));
            assertThat(watchdog.beat())
                    .singleElement()
                    .asString()
                    .startsWith("gpio: the GPIO thread has not woken since");
            gpio.tick();
            assertThat(watchdog.beat()).isEmpty();

            clock.advance(Duration.ofMinutes(3));
            gpio.tick();
            assertThat(watchdog.beat()).singleElement().asString().startsWith("onvif: no progress since");
            gpio.close();
        }
    }

    /**
     * No GPIO chip here: the FFM chip loads (it is compiled at Java 22) and a missing chip is named, with the group
     * the service's user needs.
     */
    @Test
    void aMissingGpioChipIsNamedWithTheGroupToJoin() {
        assertThatThrownBy(() -> DoorbellMain.openChip(Path.of("/dev/gpiochip9")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot open /dev/gpiochip9: No such file or directory (errno 2)")
                .hasMessageContaining("gpio group");
    }

    /** A device that is no GPIO chip: the failing ioctl is named with errno's text. */
    @Test
    void aFailingIoctlReportsErrnosText() {
        assertThatThrownBy(() -> DoorbellMain.openChip(Path.of("/dev/null")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("/dev/null is not a GPIO chip: GPIO_GET_CHIPINFO_IOCTL failed:"
                        + " Inappropriate ioctl for device (errno 25)");
    }

    @Test
    void ownersGetAShortReasonWithoutAddressesOrPaths() {
        assertThat(DoorbellMain.CameraReports.summary(
                        "ffmpeg stopped (exit code 1): [rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized |"
                                + " [concat @ 0x5] Impossible to open 'rtsp://***@192.168.1.20:554/stream'"))
                .isEqualTo("the camera refused the user name or password");
        assertThat(DoorbellMain.CameraReports.summary(
                        "ffmpeg stopped (exit code 1): [tcp @ 0x5] Connection to tcp://192.168.1.20:554 failed:"
                                + " Connection refused"))
                .isEqualTo("the camera cannot be reached");
        assertThat(DoorbellMain.CameraReports.summary("no video for 10 s (exit code 137)"))
                .isEqualTo("the camera stopped sending video");
        assertThat(DoorbellMain.CameraReports.summary("unreadable video from ffmpeg (bad NAL length 0)"))
                .isEqualTo("the camera stopped (see the doorbell's log)")
                .doesNotContain("192.168");
    }
}
