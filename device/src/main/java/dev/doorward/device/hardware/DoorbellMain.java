package dev.doorward.device.hardware;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.hardware.audio.AlsaMicrophone;
import dev.doorward.device.hardware.audio.AlsaSpeaker;
import dev.doorward.device.hardware.camera.FfmpegCamera;
import dev.doorward.device.hardware.config.DoorbellConfig;
import dev.doorward.device.hardware.config.DoorbellConfigFile;
import dev.doorward.device.hardware.gpio.DoorbellGpio;
import dev.doorward.device.hardware.gpio.GpioChip;
import dev.doorward.device.hardware.onvif.OnvifButton;
import dev.doorward.device.hardware.systemd.SystemdNotify;
import dev.doorward.device.hardware.systemd.Watchdog;
import dev.doorward.device.media.AudioDevices;
import dev.doorward.device.media.Microphone;
import dev.doorward.device.media.Speaker;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real doorbell (or a bridge next to an RTSP doorbell): {@code DoorbellMain --config /etc/doorward/doorbell.conf}.
 * Reads the configuration (and stops with every mistake listed), starts the camera, the agent and the GPIO
 * lines, and runs until stopped; on the way out the relay is de-energized first. docs/hardware.md shows the
 * installation (systemd unit in device/packaging).
 */
public final class DoorbellMain {
    private static final Logger log = LoggerFactory.getLogger(DoorbellMain.class);
    /** A camera that flaps is reported offline at most this often. */
    private static final Duration OFFLINE_REPORT_EVERY = Duration.ofMinutes(5);
    /** How long the agent's thread may take to run a no-op before the doorbell counts as hung. */
    private static final Duration AGENT_ANSWER = Duration.ofSeconds(5);
    /** The GPIO thread wakes every 20 ms (DoorbellGpio.OUTPUT_CHECK); a pause this long means it stopped. */
    private static final Duration GPIO_SILENCE = Duration.ofSeconds(5);

    private DoorbellMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 || !args[0].equals("--config")) {
            System.err.println("usage: DoorbellMain --config /etc/doorward/doorbell.conf");
            System.exit(2);
            return;
        }
        DoorbellConfig config;
        try {
            config = DoorbellConfigFile.read(Path.of(args[1]));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Clock clock = Clock.systemUTC();
        AtomicReference<DeviceAgent> agentRef = new AtomicReference<>();
        CameraReports reports = new CameraReports(agentRef, clock);
        FfmpegCamera camera = new FfmpegCamera(config.camera(), clock, reports::status).start();
        DeviceAgent agent = DeviceAgent.start(
                DeviceConfig.of(config.deviceDir()).withCamera(camera).withAudio(audio(config)));
        agentRef.set(agent);
        reports.status(camera.status()); // a camera that failed before the agent was up
        DoorbellGpio gpio = config.gpio()
                .map(g -> new DoorbellGpio(
                                g,
                                openChip(g.chip()),
                                clock,
                                new AgentDoorbell(agent),
                                DeviceConfig.of(config.deviceDir()).pairingHold())
                        .start())
                .orElse(null);
        OnvifButton onvif = startOnvif(config, agent, clock).orElse(null);
        Optional<SystemdNotify> systemd = systemd();
        Watchdog watchdog = new Watchdog(systemd, healthChecks(agent, gpio, onvif, clock));
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopping.set(true);
                            // The relay first: whatever else fails on the way out, the door is not left open.
                            if (gpio != null) {
                                gpio.close();
                            }
                            systemd.ifPresent(SystemdNotify::stopping);
                            if (onvif != null) {
                                onvif.close(); // unsubscribes: a doorbell has few subscriptions to give
                            }
                            // The camera before the agent: a camera stopped on purpose is no "camera offline".
                            camera.close();
                            agent.close();
                            stopped.countDown();
                        },
                        "doorbell-shutdown"));
        log.info(
                "Doorbell running ({} GPIO, button {})",
                gpio == null ? "without" : "with",
                onvif != null ? "from ONVIF events" : gpio != null ? "on GPIO" : "not wired");
        systemd.ifPresent(SystemdNotify::ready);
        // The main loop's only work is the watchdog's beat: a ping to systemd means every part answered just now.
        Duration beat = systemd.flatMap(SystemdNotify::watchdog)
                .map(w -> w.dividedBy(3))
                .orElse(Duration.ofSeconds(10));
        systemd.flatMap(SystemdNotify::watchdog)
                .ifPresent(
                        w -> log.info("systemd watchdog: {} s, checked every {} s", w.toSeconds(), beat.toSeconds()));
        while (!stopped.await(beat.toMillis(), TimeUnit.MILLISECONDS)) {
            if (!stopping.get()) {
                watchdog.beat();
            }
        }
    }

    /** A bridge without a wired contact: the doorbell's own "pressed" event, rung like the GPIO button. */
    static Optional<OnvifButton> startOnvif(DoorbellConfig config, DeviceAgent agent, Clock clock) {
        return config.onvif().map(o -> new OnvifButton(o, clock, new SecureRandom(), agent::pressButton).start());
    }

    /** The sd_notify channel when systemd started us with Type=notify; a broken one is logged, not fatal. */
    private static Optional<SystemdNotify> systemd() {
        try {
            return SystemdNotify.fromEnvironment(System.getenv());
        } catch (IllegalStateException | IllegalArgumentException e) {
            log.error("Cannot talk to systemd ({}): with Type=notify it will stop the agent", e.getMessage());
            return Optional.empty();
        }
    }

    /** What the watchdog checks on each beat: the agent's thread, the GPIO thread, the ONVIF loop. */
    static List<Watchdog.Check> healthChecks(DeviceAgent agent, DoorbellGpio gpio, OnvifButton onvif, Clock clock) {
        List<Watchdog.Check> checks = new ArrayList<>();
        checks.add(new Watchdog.Check(
                "agent",
                () -> agent.responsive(AGENT_ANSWER)
                        ? Optional.empty()
                        : Optional.of("its thread did not run a task within " + AGENT_ANSWER.toSeconds() + " s")));
        if (gpio != null) {
            checks.add(new Watchdog.Check("gpio", () -> {
                Instant last = gpio.lastTick();
                return last != null && Duration.between(last, clock.instant()).compareTo(GPIO_SILENCE) <= 0
                        ? Optional.empty()
                        : Optional.of("the GPIO thread has not woken since " + last);
            }));
        }
        if (onvif != null) {
            checks.add(new Watchdog.Check("onvif", () -> onvif.stuck(clock.instant())));
        }
        return checks;
    }

    /**
     * The configured sound devices. One that cannot be found is logged and left out: a doorbell without a
     * speaker must still ring.
     */
    static AudioDevices audio(DoorbellConfig config) {
        Microphone microphone = null;
        Speaker speaker = null;
        if (config.microphone().isPresent()) {
            try {
                microphone = new AlsaMicrophone(config.microphone().get());
            } catch (IllegalArgumentException e) {
                log.error("No microphone: {}", e.getMessage());
            }
        }
        if (config.speaker().isPresent()) {
            try {
                speaker = new AlsaSpeaker(config.speaker().get());
            } catch (IllegalArgumentException | IllegalStateException e) {
                log.error("No speaker: {}", e.getMessage());
            }
        }
        return new AudioDevices(microphone, speaker);
    }

    /**
     * The Linux GPIO chip through the kernel's character device (uAPI v2, libc only). Loaded by name: it uses the
     * FFM API, final only from Java 22, so it is compiled apart from the Java 21 code (device/src/main/java22).
     */
    static GpioChip openChip(Path device) {
        try {
            return (GpioChip) Class.forName("dev.doorward.device.hardware.gpio.CdevGpioChip")
                    .getConstructor(Path.class)
                    .newInstance(device);
        } catch (UnsupportedClassVersionError e) {
            throw new IllegalStateException("GPIO needs Java 22 or later (docs/hardware.md: install JDK 25)", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            // The chip's own message names the device and what went wrong.
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new IllegalStateException("cannot open " + device, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the GPIO chip class is missing from this build", e);
        }
    }

    /** What the GPIO lines do to the agent. */
    private record AgentDoorbell(DeviceAgent agent) implements DoorbellGpio.Doorbell {
        @Override
        public void pressed() {
            agent.pressButton();
        }

        @Override
        public void held(Duration held) {
            agent.holdButton(held);
        }

        @Override
        public void tampered() {
            agent.tamper();
        }

        @Override
        public long doorReleases() {
            return agent.door().releases();
        }

        @Override
        public boolean chimeRinging() {
            return agent.chime().isRinging();
        }
    }

    /**
     * Tells owners when the camera goes offline and comes back; a flapping camera is reported sparingly. The hub
     * gets only a short reason ({@link #summary}): ffmpeg's own words (the camera's address, paths) stay in the
     * doorbell's log.
     */
    static final class CameraReports {
        private final AtomicReference<DeviceAgent> agent;
        private final Clock clock;
        private boolean reportedOffline;
        private Instant lastOfflineReport = Instant.MIN;

        /** What went wrong, in words an owner can act on, without addresses or paths. */
        static String summary(String reason) {
            String r = reason.toLowerCase(java.util.Locale.ROOT);
            if (r.contains("401") || r.contains("unauthorized")) {
                return "the camera refused the user name or password";
            } else if (r.contains("404") || r.contains("not found")) {
                return "the camera has no such stream (check camera.url)";
            } else if (r.contains("connection refused")
                    || r.contains("timed out")
                    || r.contains("no route")
                    || r.contains("network is unreachable")) {
                return "the camera cannot be reached";
            } else if (r.contains("no video for")) {
                return "the camera stopped sending video";
            } else if (r.contains("cannot start ffmpeg")) {
                return "ffmpeg is not installed";
            }
            return "the camera stopped (see the doorbell's log)";
        }

        CameraReports(AtomicReference<DeviceAgent> agent, Clock clock) {
            this.agent = agent;
            this.clock = clock;
        }

        synchronized void status(FfmpegCamera.Status status) {
            DeviceAgent current = agent.get();
            if (current == null) {
                return;
            }
            Instant now = clock.instant();
            if (!status.online() && !reportedOffline && !now.isBefore(lastOfflineReport.plus(OFFLINE_REPORT_EVERY))) {
                current.cameraStatus(false, summary(status.reason()));
                reportedOffline = true;
                lastOfflineReport = now;
            } else if (status.online() && reportedOffline) {
                current.cameraStatus(true, null);
                reportedOffline = false;
            }
        }
    }
}
