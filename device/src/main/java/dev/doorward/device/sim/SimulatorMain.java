package dev.doorward.device.sim;

import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.device.Console;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.media.VideoEncoders;
import dev.doorward.device.motion.MotionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one simulated doorbell with its control panel:
 * {@code SimulatorMain --device DIR [--panel-port N] [--mint-with-ca CA_DIR] [--encoder jcodec|ffmpeg]}. With
 * {@code --mint-with-ca}, a device directory that holds no device yet is minted first (and its setup code
 * printed, as the label would show it). {@code --encoder} chooses the live video encoder (it sets the system
 * property {@code doorward.video-encoder}; see {@link VideoEncoders}).
 */
public final class SimulatorMain {
    private SimulatorMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        System.setProperty("java.awt.headless", "true");
        Path device = null;
        Path mintCa = null;
        int port = ControlPanel.DEFAULT_PORT;
        String encoder = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--device" -> device = value == null ? null : Path.of(value);
                case "--panel-port" -> port = value == null ? -1 : parsePort(value);
                case "--mint-with-ca" -> mintCa = value == null ? null : Path.of(value);
                case "--encoder" -> encoder = value == null ? "" : value;
                default -> {
                    usage("unknown argument: " + arg);
                    return;
                }
            }
            i++;
        }
        if (device == null || port < 0) {
            usage(null);
            return;
        }
        if (encoder != null) {
            if (encoder.isBlank()) {
                usage("--encoder needs jcodec or ffmpeg");
                return;
            }
            try {
                // Fails now, not at the first live view, when ffmpeg is missing or the name is unknown.
                VideoEncoders.create(encoder).close();
            } catch (IllegalArgumentException e) {
                usage(e.getMessage());
                return;
            }
            System.setProperty(VideoEncoders.PROPERTY, encoder);
        }
        if (!Files.exists(new DeviceLayout(device).deviceCertificate())) {
            if (mintCa == null) {
                usage("no device in " + device + " (mint one with FactoryMain, or pass --mint-with-ca)");
                return;
            }
            MintedDevice minted = Factory.mint(mintCa, device, Clock.systemUTC(), new SecureRandom());
            Console.out("minted " + minted.serial() + ", setup code " + SetupCodes.format(minted.setupCode())
                    + " (label: " + minted.label().toAbsolutePath() + ")");
        }
        DeviceAgent agent = DeviceAgent.start(DeviceConfig.of(device));
        // The simulated porch reports motion (a walker from the control panel), its animations masked.
        agent.motionSettings(
                agent.motionSettings().withSensitivity(MotionSettings.defaults().sensitivity()));
        ControlPanel panel = ControlPanel.start(agent, port);
        Console.out("doorbell " + agent.serial() + " (" + agent.ownershipState() + ")");
        Console.out("control panel: " + panel.url());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            panel.close();
            agent.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            return port >= 0 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void usage(String problem) {
        if (problem != null) {
            Console.err(problem);
        }
        Console.err("usage: SimulatorMain --device DEVICE_DIR [--panel-port N (default 8091, 0 = any)]"
                + " [--mint-with-ca MANUFACTURER_CA_DIR] [--encoder jcodec|ffmpeg (default jcodec)]");
        System.exit(2);
    }
}
