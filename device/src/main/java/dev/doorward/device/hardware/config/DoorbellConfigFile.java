package dev.doorward.device.hardware.config;

import dev.doorward.device.hardware.camera.CameraSettings;
import dev.doorward.device.hardware.camera.CameraSource;
import dev.doorward.device.hardware.config.DoorbellConfig.GpioConfig;
import dev.doorward.device.hardware.config.DoorbellConfig.Line;
import dev.doorward.device.hardware.onvif.ButtonTopic;
import dev.doorward.device.hardware.onvif.OnvifSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code doorbell.conf}: {@code key = value} lines, {@code #} comments, nothing else. Strict, because a
 * doorbell that silently ignores a mistyped key is a doorbell whose relay is on the wrong pin: an unknown or
 * repeated key, a missing required key or a bad value is an error naming the line and the key and saying what
 * is expected. All errors are reported together.
 *
 * <p>One class: it is mostly the table of keys, each with its check and its message; the parser is short and the
 * table reads best in one place.
 */
public final class DoorbellConfigFile {
    /** Every key, with what it expects (the error messages quote this). */
    static final Map<String, String> KEYS = keys();

    private static final Pattern ABSOLUTE_PATH = Pattern.compile("/[^\\s]*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:,\\- ()\\[\\]]{1,80}");

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();
    private final String fileName;

    private DoorbellConfigFile(String fileName) {
        this.fileName = fileName;
    }

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("device.dir", "the absolute path of the device directory (required)");
        k.put("camera.source", "synthetic, v4l2 or rtsp (required)");
        k.put("camera.device", "a V4L2 device path such as /dev/video0 (camera.source = v4l2)");
        k.put("camera.format", "the V4L2 pixel format: h264, mjpeg or yuyv422 (default mjpeg)");
        k.put("camera.url", "rtsp:// or rtsps:// URL without user or password (camera.source = rtsp)");
        k.put("camera.credentials", "absolute path of an owner-only file with user= and password= lines");
        k.put("camera.width", "picture width in pixels, an even number 16..3840 (default 1280)");
        k.put("camera.height", "picture height in pixels, an even number 16..2160 (default 720)");
        k.put("camera.fps", "frames per second, 1..60 (default 15)");
        k.put(
                "camera.encoder",
                "copy (pass H.264 through), libx264, or an ffmpeg hardware encoder name"
                        + " such as h264_v4l2m2m (default: copy for rtsp and h264 cameras, else libx264)");
        k.put("camera.ffmpeg", "the ffmpeg executable (default ffmpeg)");
        k.put("gpio.chip", "the GPIO character device, e.g. /dev/gpiochip0, or none (default none)");
        for (String line : List.of("button", "relay", "tamper", "chime")) {
            k.put("gpio." + line, "the " + line + "'s line offset on the chip, 0..511 (absent: not wired)");
            k.put(
                    "gpio." + line + ".active-low",
                    "true or false (default: true for the button, a normally-open"
                            + " switch to ground; false for the tamper switch, normally closed to ground, and the outputs)");
        }
        k.put("gpio.debounce-ms", "how long an input must be steady to count, 1..1000 ms (default 30)");
        k.put("relay.pulse-ms", "how long the door relay is energized per opening, 100..15000 ms (default 5000)");
        k.put("button.source", "gpio or onvif: where the button comes from (default gpio)");
        k.put(
                "onvif.url",
                "the doorbell's ONVIF device service, e.g. http://192.168.1.20/onvif/device_service, or its events"
                        + " service; without user or password (button.source = onvif)");
        k.put(
                "onvif.credentials",
                "absolute path of an owner-only file with user= and password= lines (default: camera.credentials)");
        k.put(
                "onvif.topic",
                "the button's event topic, e.g. tns1:RuleEngine/MyRuleDetector/Visitor (default: the known doorbell"
                        + " topics, docs/hardware.md)");
        k.put("onvif.item", "the name of the topic's data item that says pressed (default State; needs onvif.topic)");
        k.put("onvif.value", "the item's value that means pressed (default true; needs onvif.topic)");
        k.put("audio.microphone", "a Java Sound mixer name or part of one, e.g. \"USB\" (absent: no microphone)");
        k.put("audio.speaker", "a Java Sound mixer name or part of one (absent: talk goes to a WAV file)");
        return Map.copyOf(k);
    }

    /** Reads and checks {@code file}. */
    public static DoorbellConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file.getFileName().toString(), text);
    }

    /** Checks {@code text} as the contents of a file called {@code fileName}. */
    public static DoorbellConfig parse(String fileName, String text) {
        DoorbellConfigFile f = new DoorbellConfigFile(fileName);
        f.load(text);
        DoorbellConfig config = f.build();
        if (!f.errors.isEmpty()) {
            throw new IllegalArgumentException(
                    fileName + " has " + f.errors.size() + " error(s):\n  " + String.join("\n  ", f.errors));
        }
        return config;
    }

    private void load(String text) {
        String[] all = text.split("\r?\n", -1);
        for (int n = 0; n < all.length; n++) {
            String line = all[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                errors.add(fileName + " line " + (n + 1) + ": expected key = value");
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!KEYS.containsKey(key)) {
                errors.add(fileName + " line " + (n + 1) + ": unknown key \"" + key + "\"" + suggestion(key));
            } else if (values.containsKey(key)) {
                errors.add(fileName + " line " + (n + 1) + ": " + key + " is already set on line " + lines.get(key));
            } else {
                values.put(key, value);
                lines.put(key, n + 1);
            }
        }
    }

    private static String suggestion(String key) {
        String prefix = key.contains(".") ? key.substring(0, key.indexOf('.') + 1) : "";
        List<String> near = KEYS.keySet().stream()
                .filter(k -> !prefix.isEmpty() && k.startsWith(prefix))
                .sorted()
                .toList();
        return near.isEmpty() ? " (see docs/hardware.md for the keys)" : " (known " + prefix + "* keys: " + near + ")";
    }

    private DoorbellConfig build() {
        Path deviceDir = path("device.dir", true).orElse(Path.of("/"));
        CameraSettings camera = camera();
        Optional<GpioConfig> gpio = gpio();
        Optional<String> microphone = name("audio.microphone");
        Optional<String> speaker = name("audio.speaker");
        Optional<OnvifSettings> onvif = onvif();
        if (camera == null) {
            return null;
        }
        return new DoorbellConfig(deviceDir, camera, gpio, microphone, speaker, onvif);
    }

    private CameraSettings camera() {
        String source = required("camera.source");
        int width = integer("camera.width", 16, 3840, CameraSettings.DEFAULT_WIDTH);
        int height = integer("camera.height", 16, 2160, CameraSettings.DEFAULT_HEIGHT);
        int fps = integer("camera.fps", 1, 60, CameraSettings.DEFAULT_FPS);
        String ffmpeg = values.getOrDefault("camera.ffmpeg", "ffmpeg");
        CameraSource cameraSource = null;
        String defaultEncoder = CameraSettings.LIBX264;
        Set<String> only;
        switch (source == null ? "" : source) {
            case "synthetic" -> {
                cameraSource = new CameraSource.Synthetic();
                only = Set.of();
            }
            case "v4l2" -> {
                Path device = path("camera.device", true).orElse(null);
                String format = values.getOrDefault("camera.format", "mjpeg");
                if (!Set.of("h264", "mjpeg", "yuyv422").contains(format)) {
                    error("camera.format", "h264, mjpeg or yuyv422");
                }
                defaultEncoder = format.equals("h264") ? CameraSettings.COPY : CameraSettings.LIBX264;
                cameraSource = device == null ? null : new CameraSource.V4l2(device, format);
                only = Set.of("camera.device", "camera.format");
            }
            case "rtsp" -> {
                URI url = rtspUrl();
                Optional<Path> credentials = path("camera.credentials", false);
                defaultEncoder = CameraSettings.COPY;
                cameraSource = url == null ? null : new CameraSource.Rtsp(url, credentials.orElse(null));
                only = Set.of("camera.url", "camera.credentials");
            }
            default -> {
                if (source != null) {
                    error("camera.source", "synthetic, v4l2 or rtsp");
                }
                only = Set.of();
            }
        }
        for (String key : List.of("camera.device", "camera.format", "camera.url", "camera.credentials")) {
            if (values.containsKey(key) && !only.contains(key) && source != null) {
                errors.add(where(key) + key + " does not apply to camera.source = " + source);
            }
        }
        String encoder = values.getOrDefault("camera.encoder", defaultEncoder);
        if (cameraSource == null) {
            return null;
        }
        try {
            return new CameraSettings(cameraSource, width, height, fps, encoder, ffmpeg);
        } catch (IllegalArgumentException e) {
            errors.add(where("camera.encoder") + "camera: " + e.getMessage());
            return null;
        }
    }

    private URI rtspUrl() {
        String value = required("camera.url");
        if (value == null) {
            return null;
        }
        URI url;
        try {
            url = new URI(value);
        } catch (URISyntaxException e) {
            errors.add(where("camera.url") + "camera.url: expected a valid rtsp:// URL");
            return null;
        }
        try {
            new CameraSource.Rtsp(url, null); // the URL rules live there
            return url;
        } catch (IllegalArgumentException e) {
            // Not quoting the value: it may hold a password.
            errors.add(where("camera.url") + "camera.url: expected " + e.getMessage());
            return null;
        }
    }

    /** The button from ONVIF events: only with button.source = onvif, and then not also from GPIO. */
    private Optional<OnvifSettings> onvif() {
        String source = values.getOrDefault("button.source", "gpio");
        List<String> onvifKeys =
                values.keySet().stream().filter(k -> k.startsWith("onvif.")).toList();
        if (source.equals("gpio")) {
            for (String key : onvifKeys) {
                errors.add(where(key) + key + " needs button.source = onvif");
            }
            return Optional.empty();
        }
        if (!source.equals("onvif")) {
            error("button.source", "gpio or onvif");
            return Optional.empty();
        }
        if (values.containsKey("gpio.button")) {
            errors.add(where("gpio.button") + "gpio.button does not apply to button.source = onvif"
                    + " (the button comes from the doorbell's ONVIF events)");
        }
        URI url = onvifUrl();
        Optional<Path> credentials = path("onvif.credentials", false);
        String cameraCredentials = values.get("camera.credentials");
        if (!values.containsKey("onvif.credentials")
                && cameraCredentials != null
                && ABSOLUTE_PATH.matcher(cameraCredentials).matches()) {
            credentials = Optional.of(Path.of(cameraCredentials)); // (a bad one is reported for the camera)
        }
        ButtonTopic button = ButtonTopic.known();
        String topic = values.get("onvif.topic");
        if (topic == null) {
            for (String key : List.of("onvif.item", "onvif.value")) {
                if (values.containsKey(key)) {
                    errors.add(where(key) + key + " needs onvif.topic");
                }
            }
        } else {
            String item = values.getOrDefault("onvif.item", "State");
            String value = values.getOrDefault("onvif.value", ButtonTopic.DEFAULT_VALUE);
            if (!topic.matches("[A-Za-z0-9_.:/\\-]{1,200}") || topic.startsWith("/") || topic.endsWith("/")) {
                error("onvif.topic", "a topic path such as tns1:RuleEngine/MyRuleDetector/Visitor");
            } else if (!item.matches("[A-Za-z0-9_.:\\-]{1,80}")) {
                error("onvif.item", "an item name such as State");
            } else if (!value.matches("[A-Za-z0-9_.:\\-]{1,80}")) {
                error("onvif.value", "a value such as true");
            } else {
                button = ButtonTopic.of(topic, item, value);
            }
        }
        if (url == null) {
            return Optional.empty();
        }
        return Optional.of(new OnvifSettings(url, credentials, button));
    }

    private URI onvifUrl() {
        String value = required("onvif.url");
        if (value == null) {
            return null;
        }
        try {
            URI url = new URI(value);
            OnvifSettings.checkUrl(url);
            return url;
        } catch (URISyntaxException e) {
            errors.add(where("onvif.url") + "onvif.url: expected a valid http:// URL");
        } catch (IllegalArgumentException e) {
            // Not quoting the value: it may hold a password.
            errors.add(where("onvif.url") + "onvif.url: expected " + e.getMessage());
        }
        return null;
    }

    private Optional<GpioConfig> gpio() {
        String chip = values.getOrDefault("gpio.chip", "none");
        List<String> gpioKeys = values.keySet().stream()
                .filter(k -> k.startsWith("gpio.") && !k.equals("gpio.chip"))
                .toList();
        if (chip.equals("none")) {
            for (String key : gpioKeys) {
                errors.add(where(key) + key + " needs gpio.chip (it is none)");
            }
            if (values.containsKey("relay.pulse-ms")) {
                errors.add(where("relay.pulse-ms") + "relay.pulse-ms needs gpio.chip and gpio.relay");
            }
            return Optional.empty();
        }
        if (!chip.matches("/dev/gpiochip[0-9]{1,3}")) {
            error("gpio.chip", "a device such as /dev/gpiochip0, or none");
            return Optional.empty();
        }
        Optional<Line> button = line("button", true);
        Optional<Line> relay = line("relay", false);
        Optional<Line> tamper = line("tamper", false);
        Optional<Line> chime = line("chime", false);
        List<Integer> used = new ArrayList<>();
        for (Optional<Line> l : List.of(button, relay, tamper, chime)) {
            l.ifPresent(x -> {
                if (used.contains(x.offset())) {
                    errors.add(fileName + ": GPIO line " + x.offset() + " is used twice");
                }
                used.add(x.offset());
            });
        }
        int debounce = integer("gpio.debounce-ms", 1, 1000, 30);
        int pulse = integer("relay.pulse-ms", 100, (int) GpioConfig.MAX_RELAY_PULSE.toMillis(), 5000);
        return Optional.of(new GpioConfig(
                Path.of(chip), button, relay, tamper, chime, Duration.ofMillis(debounce), Duration.ofMillis(pulse)));
    }

    private Optional<Line> line(String name, boolean defaultActiveLow) {
        String key = "gpio." + name;
        boolean activeLow = bool(key + ".active-low", defaultActiveLow);
        if (!values.containsKey(key)) {
            if (values.containsKey(key + ".active-low")) {
                errors.add(where(key + ".active-low") + key + ".active-low needs " + key);
            }
            return Optional.empty();
        }
        int offset = integer(key, 0, 511, -1);
        return offset < 0 ? Optional.empty() : Optional.of(new Line(offset, activeLow));
    }

    private String required(String key) {
        String value = values.get(key);
        if (value == null || value.isEmpty()) {
            errors.add(fileName + ": " + key + " is required: " + KEYS.get(key));
            return null;
        }
        return value;
    }

    private Optional<Path> path(String key, boolean required) {
        String value = required ? required(key) : values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!ABSOLUTE_PATH.matcher(value).matches()) {
            error(key, "an absolute path without spaces");
            return Optional.empty();
        }
        return Optional.of(Path.of(value));
    }

    private Optional<String> name(String key) {
        String value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        String unquoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1)
                : value;
        if (!NAME.matcher(unquoted).matches()) {
            error(key, "a mixer name of letters, digits, spaces and .,:-_()[]");
            return Optional.empty();
        }
        return Optional.of(unquoted);
    }

    private int integer(String key, int min, int max, int fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error(key, "a whole number from " + min + " to " + max);
        return fallback;
    }

    private boolean bool(String key, boolean fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                error(key, "true or false");
                yield fallback;
            }
        };
    }

    private void error(String key, String expected) {
        errors.add(where(key) + key + " = \"" + values.get(key) + "\": expected " + expected);
    }

    private String where(String key) {
        Integer line = lines.get(key);
        return fileName + (line == null ? ": " : " line " + line + ": ");
    }
}
