package dev.doorward.device.media;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the live video encoder: {@code jcodec} (the default, pure Java) or {@code ffmpeg} (an external
 * ffmpeg with libx264, which must be on the PATH). The choice comes from the system property
 * {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT}, else the default.
 */
public final class VideoEncoders {
    public static final String PROPERTY = "doorward.video-encoder";
    public static final String ENVIRONMENT = "DOORWARD_VIDEO_ENCODER";
    public static final String JCODEC = "jcodec";
    public static final String FFMPEG = "ffmpeg";

    private VideoEncoders() {}

    /** The encoder the system property or environment asks for, with the default size and rates. */
    public static VideoEncoder configured() {
        return create(configuredChoice());
    }

    /** What the system property or environment says, or {@code jcodec}. */
    public static String configuredChoice() {
        String choice = System.getProperty(PROPERTY);
        if (choice == null || choice.isBlank()) {
            choice = System.getenv(ENVIRONMENT);
        }
        return choice == null || choice.isBlank() ? JCODEC : choice.strip().toLowerCase(Locale.ROOT);
    }

    /**
     * @param choice {@code jcodec} or {@code ffmpeg} (case-insensitive); null or blank means {@code jcodec}
     * @throws IllegalArgumentException for an unknown choice, or {@code ffmpeg} when it is not on the PATH
     */
    public static VideoEncoder create(String choice) {
        String name =
                choice == null || choice.isBlank() ? JCODEC : choice.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case JCODEC -> new JcodecVideoEncoder();
            case FFMPEG -> {
                if (findOnPath(FFMPEG).isEmpty()) {
                    throw new IllegalArgumentException(
                            "video encoder \"ffmpeg\" chosen but no ffmpeg executable is on the PATH"
                                    + " (install it, e.g. apt-get install ffmpeg, or choose \"jcodec\")");
                }
                yield new FfmpegVideoEncoder();
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown video encoder \"" + choice + "\" (choose \"jcodec\" or \"ffmpeg\")");
        };
    }

    /** An executable file of that name in one of the PATH's directories. */
    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
