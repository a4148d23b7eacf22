package dev.doorward.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Debian's {@code ffprobe}: what a common player's demuxer and decoder make of a file. */
final class Ffprobe {
    private Ffprobe() {}

    /**
     * The first video stream's codec_name, profile, width, height, duration and nb_read_frames (every frame
     * demuxed and counted), as ffprobe prints them. Fails if ffprobe reports any error.
     */
    static Map<String, String> videoStream(Path file) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        "ffprobe",
                        "-v",
                        "error",
                        "-count_frames",
                        "-select_streams",
                        "v:0",
                        "-show_entries",
                        "stream=codec_name,profile,width,height,duration,nb_read_frames",
                        "-of",
                        "default=noprint_wrappers=1",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("ffprobe did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IOException("ffprobe failed: " + out);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IOException("ffprobe said: " + out);
            }
            fields.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
        return fields;
    }
}
