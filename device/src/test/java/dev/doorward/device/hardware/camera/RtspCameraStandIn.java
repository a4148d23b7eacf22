package dev.doorward.device.hardware.camera;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An RTSP doorbell on the LAN, played by GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0,
 * python3-gi, gstreamer1.0-plugins-{base,good,ugly,bad}) on a free loopback port, with basic authentication.
 */
final class RtspCameraStandIn implements AutoCloseable {
    private final Process process;
    private final int port;

    private RtspCameraStandIn(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** A live 1280x720 High-profile camera, shared by all clients. */
    static RtspCameraStandIn live(Path dir, String user, String password) throws Exception {
        return start(dir, List.of(user, password, "live"));
    }

    /** Sends {@code h264File} (Annex B) as it is, to each client from its start. */
    static RtspCameraStandIn file(Path dir, String user, String password, Path h264File) throws Exception {
        return start(dir, List.of(user, password, "file", h264File.toString()));
    }

    private static RtspCameraStandIn start(Path dir, List<String> args) throws Exception {
        Path script = dir.resolve("rtsp-camera.py");
        try (InputStream in = RtspCameraStandIn.class.getResourceAsStream("rtsp-camera.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder said = new StringBuilder();
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("ready ")) {
                        return line.substring(6).strip();
                    }
                    said.append(line).append('\n');
                }
                throw new IllegalStateException("the RTSP stand-in ended: " + said);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            int port = Integer.parseInt(ready.get(20, TimeUnit.SECONDS));
            // Keep draining its output so it never blocks on a full pipe.
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (out.readLine() != null) {
                        // discard
                    }
                } catch (IOException e) {
                    // gone
                }
            });
            return new RtspCameraStandIn(process, port);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    URI url() {
        return URI.create("rtsp://127.0.0.1:" + port + "/door");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
