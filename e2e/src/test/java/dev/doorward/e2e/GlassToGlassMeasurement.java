package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.e2e.Chromium.Phone;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Glass-to-glass at 720p for a bridged RTSP doorbell (issue 15, docs/benchmarks.md): the time in milliseconds is
 * drawn into the camera's picture as 16 black/white blocks (the stand-in re-reads the picture for every frame
 * and encodes it, H.264 High 1280x720), and the browser reads it back from the decoded canvas at every animation
 * frame: now − drawn time is the latency through the camera's encoder, RTSP, the agent (passthrough, sealing),
 * the hub and the browser's decoder. Not part of the suite: {@code -Dglass-to-glass=true} (not a {@code doorward.*} name: the hub refuses unknown ones).
 *
 * <p>It also prints where the time goes, frame by frame ({@link #breakdown}): the stand-in logs when it took each
 * picture, when x264 gave it out and when its last RTP packet left; the agent seals the time it read each access
 * unit from ffmpeg into the frame; the page records when the sealed frame arrived, when it was given to the
 * decoder and when the decoded picture was drawn.
 */
@EnabledIfSystemProperty(named = "glass-to-glass", matches = "true")
class GlassToGlassMeasurement {
    private static final Path STAND_IN =
            Path.of("../device/src/test/resources/dev/doorward/device/hardware/camera/rtsp-camera.py");
    private static final int BITS = 16;

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void glassToGlassAt720p() throws Exception {
        MintedDevice minted = env.hub().mintDevice("glass");
        Path dir = minted.deviceDir().getParent();
        Path credentials = dir.resolve("camera.credentials");
        Files.writeString(credentials, "user=admin\npassword=glass-42\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        Path seen = dir.resolve("clock.png");
        draw(seen, System.currentTimeMillis());
        AtomicBoolean drawing = new AtomicBoolean(true);
        Thread clock = Thread.ofPlatform().daemon().start(() -> {
            while (drawing.get()) {
                try {
                    draw(seen, System.currentTimeMillis());
                    Thread.sleep(2);
                } catch (Exception e) {
                    return;
                }
            }
        });
        Path timing = dir.resolve("camera-timing.log");
        ProcessBuilder standInCommand = new ProcessBuilder(
                        "/usr/bin/python3", STAND_IN.toString(), "admin", "glass-42", "image", seen.toString())
                .redirectErrorStream(true);
        standInCommand.environment().put("DOORWARD_CAMERA_TIMING", timing.toString());
        Process standIn = standInCommand.start();
        try (Phone phone = env.chromium().phone("owner")) {
            phone.page().addInitScript(BROWSER_HOOKS);
            String ready = new BufferedReader(new InputStreamReader(standIn.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            URI url = URI.create("rtsp://127.0.0.1:" + ready.substring(6).strip() + "/door");
            DeviceAgent first = env.hub().startDevice(minted);
            OwnerInBrowser.setUp(phone, env.hub());
            OwnerInBrowser.addDoorbell(phone, first, minted);
            first.close();
            // The bridge agent in a process of its own, as on a doorbell (DoorbellMain with a doorbell.conf), so its
            // CPU and memory at 720p can be read apart from the hub's.
            Path conf = dir.resolve("doorbell.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "device.dir = " + minted.deviceDir().toAbsolutePath(),
                            "camera.source = rtsp",
                            "camera.url = " + url,
                            "camera.credentials = " + credentials.toAbsolutePath(),
                            "camera.width = 1280",
                            "camera.height = 720",
                            "camera.fps = 15",
                            "camera.encoder = copy",
                            ""));
            Process agent = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "dev.doorward.device.hardware.DoorbellMain",
                            "--config",
                            conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("agent.log").toFile())
                    .start();
            try {
                phone.page().waitForTimeout(5_000); // the agent links, gets the roster and its media key
                phone.page().reload();
                phone.$("#device-list li[data-device-id] .live-open").click();
                assertThat(phone.$(".live-canvas"))
                        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(20_000));
                AgentUse before = AgentUse.of(agent.toHandle());
                long window = System.nanoTime();
                Object measured = phone.page().evaluate("""
                        async ([bits, seconds]) => {
                          const c = document.querySelector('.live-canvas');
                          const ctx = c.getContext('2d', { willReadFrequently: true });
                          const out = []; const shown = []; let last = -1;
                          const end = performance.now() + seconds * 1000;
                          while (performance.now() < end) {
                            const frame = await new Promise((r) => requestAnimationFrame(() => r(performance.now())));
                            if (c.width !== 1280) continue;
                            const row = ctx.getImageData(0, 360 - 20, 1280, 1).data;
                            let value = 0;
                            for (let i = 0; i < bits; i++) {
                              const x = Math.floor((i + 0.5) * 1280 / bits);
                              value = value * 2 + (row[4 * x] > 128 ? 1 : 0);
                            }
                            if (value === last) continue;
                            last = value;
                            const now = Date.now() % 65536;
                            out.push((now - value + 65536) % 65536);
                            const f = window.__g2g.drawn;
                            const read = performance.timeOrigin + performance.now();
                            if (f) shown.push({ value, frame: performance.timeOrigin + frame, shown: read, ...f });
                          }
                          return { out, shown, decoded: window.__g2g.decoded, output: window.__g2g.output };
                        }
                        """, List.of(BITS, 20));
                @SuppressWarnings("unchecked")
                Map<String, Object> result = (Map<String, Object>) measured;
                @SuppressWarnings("unchecked")
                List<Number> latencies = (List<Number>) result.get("out");
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> shown = (List<Map<String, Object>>) result.get("shown");
                AgentUse after = AgentUse.of(agent.toHandle());
                double seconds = (System.nanoTime() - window) / 1e9;
                List<Long> sorted = new ArrayList<>(
                        latencies.stream().map(Number::longValue).toList());
                sorted.sort(null);
                assertThat(sorted).hasSizeGreaterThan(50);
                long p50 = sorted.get(sorted.size() / 2);
                long p99 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
                String load = Files.readString(Path.of("/proc/loadavg")).strip();
                System.out.printf(
                        "GLASS-TO-GLASS 720p: %d frames, p50 %d ms, p99 %d ms, min %d ms, max %d ms (loadavg %s)%n",
                        sorted.size(), p50, p99, sorted.getFirst(), sorted.getLast(), load);
                System.out.printf(
                        "DECODER: %s chunks in, %s frames out (a decoder holding frames for reordering gives fewer)%n",
                        result.get("decoded"), result.get("output"));
                breakdown(Files.readAllLines(timing), shown);
                System.out.printf(
                        "AGENT at 720p (JVM + its ffmpeg): CPU %.1f %% of a core (JVM %.1f %%, ffmpeg %.1f %%),"
                                + " RSS %d MB (JVM %d MB, ffmpeg %d MB)%n",
                        100 * (after.cpuSeconds() - before.cpuSeconds()) / seconds,
                        100 * (after.jvmCpuSeconds() - before.jvmCpuSeconds()) / seconds,
                        100
                                * ((after.cpuSeconds() - after.jvmCpuSeconds())
                                        - (before.cpuSeconds() - before.jvmCpuSeconds()))
                                / seconds,
                        after.rssBytes() >> 20,
                        after.jvmRssBytes() >> 20,
                        (after.rssBytes() - after.jvmRssBytes()) >> 20);
            } finally {
                agent.destroy();
                agent.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            drawing.set(false);
            clock.join(1000);
            standIn.destroy();
            standIn.waitFor(3, TimeUnit.SECONDS);
        }
    }

    /**
     * In the page before the app loads: the arrival time of each binary WebSocket message (the live socket's are
     * sealed frames), and for each access unit given to the VideoDecoder its last 16 bytes (the stand-in logs the
     * same bytes as x264 gave them out), the capture time the agent sealed with it (when the agent read it from
     * ffmpeg), when it was given to the decoder (after the SFrame open) and when the decoded picture came out and
     * was drawn. {@code __g2g.drawn} is the last picture drawn; the animation-frame loop reads it.
     */
    private static final String BROWSER_HOOKS = """
            (() => {
              const now = () => performance.timeOrigin + performance.now();
              const g2g = (window.__g2g = { arrived: 0, chunks: new Map(), drawn: null, decoded: 0, output: 0 });
              const Socket = window.WebSocket;
              window.WebSocket = class extends Socket {
                constructor(...args) {
                  super(...args);
                  this.addEventListener('message', (e) => {
                    if (typeof e.data !== 'string') g2g.arrived = now();
                  });
                }
              };
              const Decoder = window.VideoDecoder;
              if (!Decoder) return;
              window.VideoDecoder = class extends Decoder {
                constructor(init) {
                  super({
                    output(frame) {
                      const at = now();
                      const record = g2g.chunks.get(frame.timestamp);
                      g2g.chunks.delete(frame.timestamp);
                      g2g.output++;
                      init.output(frame); // draws it on the canvas and closes it
                      if (record) g2g.drawn = { ...record, output: at, painted: now() };
                    },
                    error: init.error,
                  });
                }
                decode(chunk) {
                  const bytes = new Uint8Array(chunk.byteLength);
                  chunk.copyTo(bytes);
                  const key = Array.from(bytes.subarray(bytes.length - 16), (b) => b.toString(16).padStart(2, '0'))
                    .join('');
                  g2g.decoded++;
                  g2g.chunks.set(chunk.timestamp, {
                    key, capture: chunk.timestamp / 1000, arrived: g2g.arrived, decodeCall: now(),
                  });
                  if (g2g.chunks.size > 100) g2g.chunks.delete(g2g.chunks.keys().next().value);
                  super.decode(chunk);
                }
              };
            })();
            """;

    private static final List<String> STAGES = List.of(
            "drawn -> camera takes the picture (scaled)",
            "camera: x264 encodes it",
            "camera: RTP packetised (last packet)",
            "RTSP + ffmpeg (demuxer, FLV) -> agent has the access unit",
            "agent seals + link + hub relay + WebSocket -> browser",
            "browser: SFrame open -> decode() called",
            "browser: decode() -> decoded picture out",
            "browser: drawImage onto the canvas",
            "browser: drawn -> next animation frame",
            "browser: the measurement reads the canvas back (getImageData)",
            "total (drawn -> read in the browser)");

    /**
     * The stages of each frame read in the browser, joined with the stand-in's log by the frame's last 16 bytes:
     * min, p50 and p90 of each, in ms. All clocks are this machine's wall clock.
     */
    private static void breakdown(List<String> cameraLog, List<Map<String, Object>> shown) {
        Map<String, double[]> camera = new java.util.HashMap<>();
        for (String line : cameraLog) {
            String[] f = line.split(" ");
            if (f.length == 6 && f[0].equals("frame")) {
                double raw = Double.parseDouble(f[2]);
                long value = Long.parseLong(f[1]);
                double drawn = (long) raw - Math.floorMod((long) raw % 65536 - value, 65536);
                camera.put(f[5], new double[] {drawn, raw, Double.parseDouble(f[3]), Double.parseDouble(f[4])});
            }
        }
        List<List<Double>> stages = new ArrayList<>();
        STAGES.forEach(s -> stages.add(new ArrayList<>()));
        for (Map<String, Object> f : shown) {
            double[] c = camera.get((String) f.get("key"));
            if (c == null || (long) c[0] % 65536 != ((Number) f.get("value")).longValue()) {
                continue; // not logged by the camera, or the picture read is not the frame decoded
            }
            double capture = ((Number) f.get("capture")).doubleValue();
            double arrived = ((Number) f.get("arrived")).doubleValue();
            double decodeCall = ((Number) f.get("decodeCall")).doubleValue();
            double output = ((Number) f.get("output")).doubleValue();
            double painted = ((Number) f.get("painted")).doubleValue();
            double frame = ((Number) f.get("frame")).doubleValue();
            double read = ((Number) f.get("shown")).doubleValue();
            double[] times = {c[0], c[1], c[2], c[3], capture, arrived, decodeCall, output, painted, frame, read};
            for (int i = 0; i + 1 < times.length; i++) {
                stages.get(i).add(times[i + 1] - times[i]);
            }
            stages.getLast().add(read - c[0]);
        }
        System.out.printf(
                "BREAKDOWN (%d frames matched; ms: min / p50 / p90)%n",
                stages.getFirst().size());
        for (int i = 0; i < STAGES.size(); i++) {
            List<Double> v = stages.get(i);
            v.sort(null);
            if (v.isEmpty()) {
                continue;
            }
            System.out.printf(
                    "  | %s | %.1f | %.1f | %.1f |%n",
                    STAGES.get(i), v.getFirst(), v.get(v.size() / 2), v.get((int) (v.size() * 0.9)));
        }
    }

    /** CPU seconds and resident memory of the agent's process and its children (ffmpeg), from /proc. */
    private record AgentUse(double cpuSeconds, double jvmCpuSeconds, long rssBytes, long jvmRssBytes) {
        private static final double TICKS = 100; // USER_HZ on Linux

        static AgentUse of(ProcessHandle agent) throws Exception {
            double jvmCpu = cpu(agent.pid());
            long jvmRss = rss(agent.pid());
            double cpu = jvmCpu;
            long rssTotal = jvmRss;
            for (ProcessHandle child : agent.descendants().toList()) {
                cpu += cpu(child.pid());
                rssTotal += rss(child.pid());
            }
            return new AgentUse(cpu, jvmCpu, rssTotal, jvmRss);
        }

        private static double cpu(long pid) throws Exception {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS; // utime, stime
        }

        private static long rss(long pid) throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return 0;
        }
    }

    /** The time's low 16 bits as blocks across a 160x90 picture (the stand-in scales it to 1280x720). */
    private static void draw(Path file, long millis) throws Exception {
        BufferedImage picture = new BufferedImage(160, 90, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        try {
            g.setColor(Color.GRAY);
            g.fillRect(0, 0, 160, 90);
            int value = (int) (millis % 65536);
            for (int i = 0; i < BITS; i++) {
                boolean one = ((value >> (BITS - 1 - i)) & 1) == 1;
                g.setColor(one ? Color.WHITE : Color.BLACK);
                g.fillRect(i * 160 / BITS, 30, 160 / BITS, 30);
            }
        } finally {
            g.dispose();
        }
        Path next = file.resolveSibling(file.getFileName() + ".next");
        ImageIO.write(picture, "png", next.toFile());
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
