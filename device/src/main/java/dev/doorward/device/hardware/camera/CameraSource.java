package dev.doorward.device.hardware.camera;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/** Where the doorbell's picture comes from. */
public sealed interface CameraSource {

    /** ffmpeg's test picture ({@code lavfi testsrc2}): a doorbell without a camera, and the tests. */
    record Synthetic() implements CameraSource {}

    /**
     * A V4L2 device: a USB camera, or the Raspberry Pi camera through libcamera's V4L2 layer.
     *
     * @param format the device's pixel format as ffmpeg names it ({@code h264}, {@code mjpeg}, {@code yuyv422}):
     *     {@code h264} can be passed through without re-encoding
     */
    record V4l2(Path device, String format) implements CameraSource {
        public V4l2 {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(format, "format");
        }
    }

    /**
     * An RTSP camera or doorbell on the LAN (bridge mode), pulled over TCP.
     *
     * @param url without credentials
     * @param credentialsFile an owner-only file with {@code user=} and {@code password=} lines, or null for a
     *     camera without authentication
     */
    record Rtsp(URI url, Path credentialsFile) implements CameraSource {
        public Rtsp {
            Objects.requireNonNull(url, "url");
            String text = url.toString();
            // The URL goes into ffmpeg's ffconcat script between single quotes: nothing may end the quote or line.
            if (!("rtsp".equals(url.getScheme()) || "rtsps".equals(url.getScheme())) || url.getHost() == null) {
                throw new IllegalArgumentException("an rtsp:// or rtsps:// URL with a host");
            }
            if (url.getRawUserInfo() != null) {
                throw new IllegalArgumentException(
                        "no user or password in the URL: they belong in the credentials file");
            }
            if (text.contains("'") || text.contains("\\") || text.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
                throw new IllegalArgumentException("a URL without quotes, backslashes, spaces or control characters");
            }
        }
    }
}
