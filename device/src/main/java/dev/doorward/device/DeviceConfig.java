package dev.doorward.device;

import dev.doorward.device.camera.Camera;
import dev.doorward.device.link.Backoff;
import dev.doorward.device.media.AudioDevices;
import dev.doorward.device.pairing.PairingWindow;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run one device agent. Defaults are the product's; tests shorten what they need (a mutable clock,
 * a quick reconnect) instead of waiting.
 *
 * @param deviceDir the device's directory, as written by the factory tool
 * @param camera null for the simulator's {@code SyntheticCamera}
 * @param pairingHold how long the button must be held to open the pairing window
 * @param pairingWindow how long the pairing window stays open
 * @param heartbeat if present, used instead of the interval the hub asks for
 * @param reconnectBase first reconnect back-off ceiling
 * @param reconnectCap largest reconnect back-off ceiling
 * @param scanInterval how often a camera frame is scanned for a QR code while pairing
 * @param resetHold how long the button must be held for a physical reset (an owned device then waits out
 *     the cooling-off period; a factory-new one just opens its pairing window)
 * @param coolingOff how long an owned device stays owned after a physical reset, for the owner to veto
 * @param audio a real sound card; null for the simulator's microphone and the speaker WAV file
 */
public record DeviceConfig(
        Path deviceDir,
        Clock clock,
        SecureRandom random,
        Camera camera,
        Duration pairingHold,
        Duration pairingWindow,
        Optional<Duration> heartbeat,
        Duration reconnectBase,
        Duration reconnectCap,
        Duration scanInterval,
        Duration resetHold,
        Duration coolingOff,
        AudioDevices audio) {

    public static final Duration DEFAULT_SCAN_INTERVAL = Duration.ofMillis(200);
    /** A button hold at least this long is a physical reset; shorter holds may open the pairing window. */
    public static final Duration DEFAULT_RESET_HOLD = Duration.ofSeconds(20);
    /** How long the owner has to veto a physical reset. */
    public static final Duration DEFAULT_COOLING_OFF = Duration.ofHours(72);

    public DeviceConfig {
        Objects.requireNonNull(deviceDir, "deviceDir");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        requirePositive(pairingHold, "pairingHold");
        requirePositive(pairingWindow, "pairingWindow");
        Objects.requireNonNull(heartbeat, "heartbeat");
        heartbeat.ifPresent(h -> requirePositive(h, "heartbeat"));
        requirePositive(reconnectBase, "reconnectBase");
        requirePositive(reconnectCap, "reconnectCap");
        if (reconnectCap.compareTo(reconnectBase) < 0) {
            throw new IllegalArgumentException("reconnectCap must not be below reconnectBase");
        }
        requirePositive(scanInterval, "scanInterval");
        requirePositive(resetHold, "resetHold");
        requirePositive(coolingOff, "coolingOff");
    }

    /** The product defaults for the device in {@code deviceDir}. */
    public static DeviceConfig of(Path deviceDir) {
        return new DeviceConfig(
                deviceDir,
                Clock.systemUTC(),
                new SecureRandom(),
                null,
                PairingWindow.DEFAULT_HOLD,
                PairingWindow.DEFAULT_OPEN_FOR,
                Optional.empty(),
                Backoff.DEFAULT_BASE,
                Backoff.DEFAULT_CAP,
                DEFAULT_SCAN_INTERVAL,
                DEFAULT_RESET_HOLD,
                DEFAULT_COOLING_OFF,
                null);
    }

    public DeviceConfig withClock(Clock clock) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withRandom(SecureRandom random) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withCamera(Camera camera) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withPairingHold(Duration pairingHold) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withPairingWindow(Duration pairingWindow) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withHeartbeat(Duration heartbeat) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                Optional.of(heartbeat),
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withReconnect(Duration base, Duration cap) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                base,
                cap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withScanInterval(Duration scanInterval) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withResetHold(Duration resetHold) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withCoolingOff(Duration coolingOff) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    public DeviceConfig withAudio(AudioDevices audio) {
        return new DeviceConfig(
                deviceDir,
                clock,
                random,
                camera,
                pairingHold,
                pairingWindow,
                heartbeat,
                reconnectBase,
                reconnectCap,
                scanInterval,
                resetHold,
                coolingOff,
                audio);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
