package dev.doorward.device.hardware.camera;

import java.util.Objects;

/**
 * How the camera runs: its source, the picture size and rate, and the encoder ({@value #COPY} passes the
 * source's H.264 through untouched, {@value #LIBX264} encodes in software, any other name is an ffmpeg
 * hardware encoder such as {@code h264_v4l2m2m} on a Raspberry Pi 4).
 *
 * @param width the picture width asked of the source (a passed-through RTSP camera keeps its own)
 * @param ffmpeg the ffmpeg executable (a name on the PATH or a path)
 */
public record CameraSettings(CameraSource source, int width, int height, int fps, String encoder, String ffmpeg) {
    public static final String COPY = "copy";
    public static final String LIBX264 = "libx264";
    public static final int DEFAULT_WIDTH = 1280;
    public static final int DEFAULT_HEIGHT = 720;
    public static final int DEFAULT_FPS = 15;

    public CameraSettings {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(ffmpeg, "ffmpeg");
        if (width < 16 || height < 16 || width > 3840 || height > 2160 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("camera size must be even numbers from 16x16 to 3840x2160");
        }
        if (fps < 1 || fps > 60) {
            throw new IllegalArgumentException("camera frame rate must be 1 to 60");
        }
        if (!encoder.matches("[a-z0-9_]{1,40}")) {
            throw new IllegalArgumentException("encoder must be copy, libx264 or an ffmpeg encoder name");
        }
        if (encoder.equals(COPY) && source instanceof CameraSource.Synthetic) {
            throw new IllegalArgumentException("the synthetic camera must be encoded (encoder libx264), not copied");
        }
        if (encoder.equals(COPY)
                && source instanceof CameraSource.V4l2 v4l2
                && !v4l2.format().equals("h264")) {
            throw new IllegalArgumentException("encoder copy needs a camera that gives H.264 (format h264)");
        }
    }

    /** The default: ffmpeg's test picture at 1280x720, 15 frames/s, libx264. */
    public static CameraSettings synthetic() {
        return new CameraSettings(
                new CameraSource.Synthetic(), DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_FPS, LIBX264, "ffmpeg");
    }

    public boolean passthrough() {
        return encoder.equals(COPY);
    }
}
