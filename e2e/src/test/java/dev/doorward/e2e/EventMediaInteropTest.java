package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.Route;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.media.JcodecVideoEncoder;
import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.TestHub;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event media (docs/media.md "Event media: snapshots and clips"): the browser's {@code /app/event-media.js}
 * opens a snapshot and a clip sealed in Java exactly as the doorbell seals them (one SFrame frame each, the
 * {@code device-still} sender of the epoch, the event named in the metadata) with the epoch key wrapped to this
 * browser by {@link MediaKeyWrap}; it refuses a tampered object, one moved to another event, doorbell or kind,
 * one sealed by another sender, and one whose key this browser does not have. The second test drives the
 * History card ({@code /app/timeline.js}) against stand-ins for the hub's routes: the thumbnail, the clip
 * muxed into MP4 ({@code /app/mp4.js}) and played in a {@code <video>}, the decrypted files saved (the clip as an
 * MP4 file that ffprobe reads), the filters, delete and retention. A third checks the muxer's boxes. The page is the hub's own,
 * under its Content-Security-Policy.
 */
class EventMediaInteropTest {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String HOUSEHOLD = "hh_home_0001";
    private static final String DEVICE = "dev_front_door_0001";
    private static final String OTHER_DEVICE = "dev_back_door_0002";
    private static final String CLIENT = "cli_this_browser_0001";
    /** This browser's roster slot: the slot the doorbell wraps its envelope with, as the hub returns it. */
    private static final int CLIENT_SLOT = 16;

    private static final Pattern OBJECT = Pattern.compile("^/api/devices/([^/]+)/events/([^/]+)/(snapshot|clip)$");
    private static final Pattern MEDIA_KEY = Pattern.compile("^/api/devices/([^/]+)/media-keys/(\\d+)$");

    private static final String PRELUDE = """
            const em = await import('/app/event-media.js');
            const d = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
            const e = (u) => { let r = ''; for (let i = 0; i < u.length; i += 0x8000) {
              r += String.fromCharCode(...u.subarray(i, i + 0x8000)); } return btoa(r); };
            const px = (canvas, x, y) => Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
            """;

    @TempDir
    static Path dir;

    /** The hub only serves the web app's modules here: the test run's shared one. */
    @RegisterExtension
    static final HubAndBrowser env = HubAndBrowser.webAppOnly();

    static TestHub hub;
    static Chromium chromium;
    static Phone phone;
    static byte[] agreementKey;
    static String fingerprint;

    /** What the stand-in hub serves: sealed objects by path, envelopes by "deviceId|epoch". */
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    final Map<String, String> envelopes = new ConcurrentHashMap<>();
    final AtomicInteger envelopeFetches = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        hub = env.hub();
        chromium = env.chromium();
        phone = chromium.phone("viewer");
        Response response = phone.page().navigate(hub.browserUrl().toString());
        assertThat(response.status()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, String> keys = (Map<String, String>) phone.page().evaluate("""
                async () => { const k = await import('/app/keys.js');
                  const p = await k.publicKeys(await k.clientKeys());
                  return { agreementKey: p.agreementKey, fingerprint: p.fingerprint }; }""");
        agreementKey = B64D.decode(keys.get("agreementKey"));
        fingerprint = keys.get("fingerprint");
    }

    @AfterAll
    static void stop() {
        if (phone != null) {
            phone.close();
        }
    }

    // ---- the module

    @Test
    void theBrowserOpensWhatTheDoorbellSealedAndRefusesEverythingElse() throws SFrameException {
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        Sender still = stillSender(epoch, epochKey);
        serveEnvelope(epoch, wrapToBrowser(DEVICE, epoch, epochKey, agreementKey));
        long t0 = System.currentTimeMillis();
        byte[] jpeg = jpeg(halves(Color.RED, Color.BLUE));
        Clip clip = clip(t0);
        put(DEVICE, "evt_ring_1", "snapshot", still.seal(aad(DEVICE, "evt_ring_1", "snapshot"), withTime(t0, jpeg)));
        put(DEVICE, "evt_ring_1", "clip", still.seal(aad(DEVICE, "evt_ring_1", "clip"), clip.plaintext));

        // Refused: changed on the way, moved to another event, kind or doorbell, sealed by another sender or
        // with another sender's key, of an epoch this browser has no envelope for, wrapped to another browser,
        // and authentic but not a JPEG.
        byte[] tampered = still.seal(aad(DEVICE, "evt_tampered", "snapshot"), withTime(t0, jpeg));
        tampered[tampered.length - 20] ^= 1;
        put(DEVICE, "evt_tampered", "snapshot", tampered);
        put(DEVICE, "evt_moved", "snapshot", still.seal(aad(DEVICE, "evt_ring_1", "snapshot"), withTime(t0, jpeg)));
        put(DEVICE, "evt_kind", "snapshot", still.seal(aad(DEVICE, "evt_kind", "clip"), withTime(t0, jpeg)));
        put(
                DEVICE,
                "evt_device",
                "snapshot",
                still.seal(aad(OTHER_DEVICE, "evt_device", "snapshot"), withTime(t0, jpeg)));
        put(
                DEVICE,
                "evt_video_slot",
                "snapshot",
                new SFrameContext(CipherSuite.DEFAULT, epoch * 256, SFrameContext.senderKey(epochKey, "device-video"))
                        .seal(0, aad(DEVICE, "evt_video_slot", "snapshot"), withTime(t0, jpeg)));
        put(
                DEVICE,
                "evt_video_key",
                "snapshot",
                new SFrameContext(
                                CipherSuite.DEFAULT, epoch * 256 + 2, SFrameContext.senderKey(epochKey, "device-video"))
                        .seal(0, aad(DEVICE, "evt_video_key", "snapshot"), withTime(t0, jpeg)));
        long unknownEpoch = epoch + 10;
        put(
                DEVICE,
                "evt_no_key",
                "snapshot",
                stillSender(unknownEpoch, epochKey).seal(aad(DEVICE, "evt_no_key", "snapshot"), withTime(t0, jpeg)));
        long strangerEpoch = epoch + 20;
        byte[] strangerKey = randomBytes(32);
        serveEnvelope(
                strangerEpoch,
                wrapToBrowser(
                        DEVICE,
                        strangerEpoch,
                        strangerKey,
                        KeyPairs.newP256(RANDOM).getPublic().getEncoded()));
        put(
                DEVICE,
                "evt_stranger",
                "snapshot",
                stillSender(strangerEpoch, strangerKey)
                        .seal(aad(DEVICE, "evt_stranger", "snapshot"), withTime(t0, jpeg)));
        put(
                DEVICE,
                "evt_not_jpeg",
                "snapshot",
                still.seal(aad(DEVICE, "evt_not_jpeg", "snapshot"), withTime(t0, "GIF89a, not a JPEG".getBytes())));

        Page page = phone.page();
        routeHub(page);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> result =
                    (Map<String, Object>) page.evaluate("async ([device]) => {\n" + PRELUDE + """
                    const reader = em.createEventMediaReader();
                    const out = {};
                    const snap = await reader.load(device, 'evt_ring_1', 'snapshot');
                    out.snapshotTime = String(snap.captureTime);
                    out.snapshotType = snap.jpegBlob.type;
                    out.jpeg = e(new Uint8Array(await snap.jpegBlob.arrayBuffer()));
                    const bitmap = await createImageBitmap(snap.jpegBlob);
                    const still = document.createElement('canvas');
                    still.width = bitmap.width; still.height = bitmap.height;
                    still.getContext('2d').drawImage(bitmap, 0, 0);
                    out.snapshotSize = [bitmap.width, bitmap.height];
                    out.snapshotPixels = [px(still, 80, 120), px(still, 240, 120)];

                    const clip = await reader.load(device, 'evt_ring_1', 'clip');
                    out.clipTime = String(clip.captureTime);
                    out.frames = clip.frames.map((f) => [String(f.time), f.keyframe, e(f.data)]);
                    const canvas = document.createElement('canvas');
                    const ms = await import('/app/media-session.js');
                    let pictures = 0;
                    const sink = ms.createVideoSink(canvas, () => { pictures++; });
                    for (const f of clip.frames) sink.decode(f.data, f.time);
                    await sink.flush();
                    out.pictures = pictures;
                    out.clipPixels = [px(canvas, 80, 120), px(canvas, 240, 120)];
                    out.annexB = e(new Uint8Array(await em.clipAnnexB(clip.frames).arrayBuffer()));

                    out.refused = {};
                    for (const id of ['evt_tampered', 'evt_moved', 'evt_kind', 'evt_device', 'evt_video_slot',
                        'evt_video_key', 'evt_no_key', 'evt_stranger', 'evt_not_jpeg']) {
                      try {
                        const opened = await reader.load(device, id, 'snapshot');
                        out.refused[id] = 'OPENED ' + JSON.stringify(Object.keys(opened));
                      } catch (err) {
                        out.refused[id] = err instanceof em.EventMediaError ? 'REFUSED ' + err.reason : 'OTHER ' + err;
                      }
                    }
                    // An id that could change the metadata's meaning is refused before anything is fetched.
                    try { await reader.load(device, 'evt:ring_1', 'snapshot'); out.colon = 'OPENED'; }
                    catch (err) { out.colon = err.reason; }
                    return out;
                    }""", List.of(DEVICE));

            assertThat(result.get("snapshotTime")).isEqualTo(Long.toString(t0));
            assertThat(result.get("snapshotType")).isEqualTo("image/jpeg");
            assertThat(B64D.decode((String) result.get("jpeg"))).isEqualTo(jpeg);
            assertThat(numbers(result.get("snapshotSize"))).containsExactly(320, 240);
            List<List<Number>> snapshotPixels = pixels(result.get("snapshotPixels"));
            assertColour(snapshotPixels.get(0), Color.RED);
            assertColour(snapshotPixels.get(1), Color.BLUE);

            assertThat(result.get("clipTime")).isEqualTo(Long.toString(t0));
            @SuppressWarnings("unchecked")
            List<List<Object>> frames = (List<List<Object>>) result.get("frames");
            assertThat(frames).hasSize(clip.frames.size());
            for (int i = 0; i < frames.size(); i++) {
                assertThat(frames.get(i).get(0)).isEqualTo(Long.toString(clip.times.get(i)));
                assertThat(frames.get(i).get(1)).isEqualTo(clip.frames.get(i).keyframe());
                assertThat(B64D.decode((String) frames.get(i).get(2)))
                        .isEqualTo(clip.frames.get(i).accessUnit());
            }
            assertThat(((Number) result.get("pictures")).intValue()).isEqualTo(clip.frames.size());
            List<List<Number>> clipPixels = pixels(result.get("clipPixels"));
            assertColour(clipPixels.get(0), new Color(0, 200, 0));
            assertColour(clipPixels.get(1), Color.WHITE);
            assertThat(B64D.decode((String) result.get("annexB"))).isEqualTo(clip.annexB());

            assertThat(result.get("refused"))
                    .isEqualTo(Map.of(
                            "evt_tampered", "REFUSED AUTHENTICATION_FAILED",
                            "evt_moved", "REFUSED AUTHENTICATION_FAILED",
                            "evt_kind", "REFUSED AUTHENTICATION_FAILED",
                            "evt_device", "REFUSED AUTHENTICATION_FAILED",
                            "evt_video_slot", "REFUSED WRONG_SENDER",
                            "evt_video_key", "REFUSED AUTHENTICATION_FAILED",
                            "evt_no_key", "REFUSED NO_KEY",
                            "evt_stranger", "REFUSED NO_KEY",
                            "evt_not_jpeg", "REFUSED MALFORMED"));
            assertThat(result.get("colon")).isEqualTo("BAD_REQUEST");
            // One envelope per epoch, however many objects it opens; the two unknown epochs asked once each.
            assertThat(envelopeFetches.get()).isEqualTo(3);
            assertThat(requests).noneMatch(r -> r.contains("evt:ring_1") || r.contains("evt%3Aring_1"));
            assertThat(phone.cspViolations()).isEmpty();
        } finally {
            page.unrouteAll();
        }
    }

    // ---- the MP4 muxer

    @Test
    void theMuxerWritesAnMp4FromTheClipsOwnParameterSetsAndTimes() throws Exception {
        long t0 = System.currentTimeMillis();
        Clip clip = clip(t0);
        List<List<Object>> frames = new ArrayList<>();
        for (int i = 0; i < clip.frames.size(); i++) {
            frames.add(List.of(
                    Long.toString(clip.times.get(i)),
                    clip.frames.get(i).keyframe(),
                    B64.encodeToString(clip.frames.get(i).accessUnit())));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result =
                (Map<String, Object>) phone.page().evaluate("async ([frames]) => {\n" + PRELUDE + """
                const m = await import('/app/mp4.js');
                const clip = frames.map(([t, k, data]) => ({ time: Number(t), keyframe: k, data: d(data) }));
                const r = m.muxClip(clip);
                const refused = (f) => { try { m.muxClip(f()); return 'muxed'; }
                  catch (err) { return err instanceof m.Mp4Error ? err.message : 'OTHER ' + err; } };
                return { mp4: e(r.bytes), codec: r.codec, width: r.width, height: r.height, durationMs: r.durationMs,
                  frames: r.frames,
                  empty: refused(() => []),
                  noKeyframe: refused(() => clip.slice(1)),
                  notAnnexB: refused(() => [{ time: 1, keyframe: true, data: Uint8Array.of(1, 2, 3, 4) }]) };
                }""", List.of(frames));
        byte[] mp4 = B64D.decode((String) result.get("mp4"));
        byte[] firstUnit = clip.frames.getFirst().accessUnit();
        byte[] sps = nal(firstUnit, 7);
        byte[] pps = nal(firstUnit, 8);
        assertThat(result.get("codec"))
                .isEqualTo("avc1.%02X%02X%02X".formatted(sps[1] & 0xff, sps[2] & 0xff, sps[3] & 0xff));
        assertThat(sps[1] & 0xff).as("Baseline").isEqualTo(66);
        assertThat(result.get("width")).isEqualTo(320);
        assertThat(result.get("height")).isEqualTo(240);
        assertThat(result.get("durationMs")).isEqualTo(800);
        assertThat(result.get("frames")).isEqualTo(8);

        // ftyp, then moov before mdat (a player can start before it has read the whole file).
        ByteBuffer file = ByteBuffer.wrap(mp4);
        assertThat(boxTypes(file, 0, mp4.length)).containsExactly("ftyp", "moov", "mdat");
        int moov = findBox(file, 0, mp4.length, "moov");
        int stbl = path(file, moov, "trak", "mdia", "minf", "stbl");
        int mdhd = path(file, moov, "trak", "mdia", "mdhd");
        assertThat(file.getInt(mdhd + 20)).as("timescale").isEqualTo(90_000);
        assertThat(file.getInt(mdhd + 24)).as("duration: 8 frames of 100 ms").isEqualTo(72_000);
        int stsd = findBox(file, stbl + 8, stbl + file.getInt(stbl), "stsd");
        int avc1 = stsd + 16;
        assertThat(type(file, avc1)).isEqualTo("avc1");
        assertThat(file.getShort(avc1 + 32)).isEqualTo((short) 320);
        assertThat(file.getShort(avc1 + 34)).isEqualTo((short) 240);
        int avcC = avc1 + 86;
        assertThat(type(file, avcC)).isEqualTo("avcC");
        byte[] expectedAvcC = ByteBuffer.allocate(11 + sps.length + pps.length)
                .put((byte) 1)
                .put(sps[1])
                .put(sps[2])
                .put(sps[3])
                .put((byte) 0xff)
                .put((byte) 0xe1)
                .putShort((short) sps.length)
                .put(sps)
                .put((byte) 1)
                .putShort((short) pps.length)
                .put(pps)
                .array();
        assertThat(java.util.Arrays.copyOfRange(mp4, avcC + 8, avcC + file.getInt(avcC)))
                .isEqualTo(expectedAvcC);
        // stts: 8 samples of 100 ms; stss: the keyframes; stsz: each picture without its parameter sets.
        int stts = findBox(file, stbl + 8, stbl + file.getInt(stbl), "stts");
        assertThat(file.getInt(stts + 12)).isEqualTo(1);
        assertThat(file.getInt(stts + 16)).isEqualTo(8);
        assertThat(file.getInt(stts + 20)).isEqualTo(9_000);
        int stss = findBox(file, stbl + 8, stbl + file.getInt(stbl), "stss");
        List<Integer> keyframes = new ArrayList<>();
        for (int i = 0; i < clip.frames.size(); i++) {
            if (clip.frames.get(i).keyframe()) {
                keyframes.add(i + 1);
            }
        }
        assertThat(file.getInt(stss + 12)).isEqualTo(keyframes.size());
        for (int i = 0; i < keyframes.size(); i++) {
            assertThat(file.getInt(stss + 16 + 4 * i)).isEqualTo(keyframes.get(i));
        }
        int stsz = findBox(file, stbl + 8, stbl + file.getInt(stbl), "stsz");
        int stco = findBox(file, stbl + 8, stbl + file.getInt(stbl), "stco");
        int mdat = findBox(file, 0, mp4.length, "mdat");
        assertThat(file.getInt(stco + 16))
                .as("the chunk starts at mdat's payload")
                .isEqualTo(mdat + 8);
        int offset = mdat + 8;
        for (int i = 0; i < clip.frames.size(); i++) {
            int size = file.getInt(stsz + 20 + 4 * i);
            // The sample is the access unit's pictures as length-prefixed NAL units: SPS and PPS live in avcC.
            List<byte[]> units = new ArrayList<>();
            for (int at = offset; at < offset + size; ) {
                int length = file.getInt(at);
                units.add(java.util.Arrays.copyOfRange(mp4, at + 4, at + 4 + length));
                at += 4 + length;
            }
            assertThat(units).allMatch(u -> (u[0] & 0x1f) != 7 && (u[0] & 0x1f) != 8);
            assertThat(units.stream().map(u -> u[0] & 0x1f).toList())
                    .contains(clip.frames.get(i).keyframe() ? 5 : 1);
            assertThat(Collections.indexOfSubList(bytesOf(clip.frames.get(i).accessUnit()), bytesOf(units.getLast())))
                    .as("the picture's bytes unchanged")
                    .isNotNegative();
            offset += size;
        }
        assertThat(offset).isEqualTo(mp4.length);

        assertThat(result.get("empty")).isEqualTo("the clip has no frames");
        assertThat(result.get("noKeyframe")).isEqualTo("the clip does not start with a keyframe");
        assertThat(result.get("notAnnexB")).isEqualTo("an access unit without an Annex B start code");

        // And a common player's demuxer and decoder read it.
        Path file1 = dir.resolve("muxed.mp4");
        Files.write(file1, mp4);
        assertThat(Ffprobe.videoStream(file1))
                .containsEntry("codec_name", "h264")
                .containsEntry("nb_read_frames", "8")
                .containsEntry("duration", "0.800000");
    }

    /** The first NAL unit of the given type in an Annex B access unit (without its start code). */
    private static byte[] nal(byte[] accessUnit, int nalType) {
        for (int i = 0; i + 3 < accessUnit.length; i++) {
            if (accessUnit[i] == 0
                    && accessUnit[i + 1] == 0
                    && accessUnit[i + 2] == 1
                    && (accessUnit[i + 3] & 0x1f) == nalType) {
                int end = i + 3;
                while (end + 2 < accessUnit.length
                        && !(accessUnit[end] == 0
                                && accessUnit[end + 1] == 0
                                && (accessUnit[end + 2] == 1 || accessUnit[end + 2] == 0))) {
                    end++;
                }
                if (end + 2 >= accessUnit.length) {
                    end = accessUnit.length;
                }
                return java.util.Arrays.copyOfRange(accessUnit, i + 3, end);
            }
        }
        throw new AssertionError("no NAL unit of type " + nalType);
    }

    private static List<Byte> bytesOf(byte[] bytes) {
        List<Byte> list = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }

    private static String type(ByteBuffer file, int box) {
        return new String(file.array(), box + 4, 4, StandardCharsets.US_ASCII);
    }

    private static List<String> boxTypes(ByteBuffer file, int from, int to) {
        List<String> types = new ArrayList<>();
        for (int at = from; at < to; at += file.getInt(at)) {
            assertThat(file.getInt(at)).as("box size").isGreaterThanOrEqualTo(8);
            types.add(type(file, at));
        }
        return types;
    }

    private static int findBox(ByteBuffer file, int from, int to, String wanted) {
        for (int at = from; at < to; at += file.getInt(at)) {
            assertThat(file.getInt(at)).as("box size").isGreaterThanOrEqualTo(8);
            if (type(file, at).equals(wanted)) {
                return at;
            }
        }
        throw new AssertionError("no " + wanted + " box");
    }

    /** Walks down from a container box through the named children. */
    private static int path(ByteBuffer file, int box, String... children) {
        int at = box;
        for (String child : children) {
            at = findBox(file, at + 8, at + file.getInt(at), child);
        }
        return at;
    }

    // ---- the History card

    @Test
    void theTimelineShowsPlaysSavesFiltersDeletesAndKeeps() throws Exception {
        long epoch = Instant.now().getEpochSecond() - 5;
        byte[] epochKey = randomBytes(32);
        Sender still = stillSender(epoch, epochKey);
        serveEnvelope(epoch, wrapToBrowser(DEVICE, epoch, epochKey, agreementKey));
        long t0 = System.currentTimeMillis() - 60_000;
        byte[] jpeg = jpeg(halves(Color.RED, Color.BLUE));
        Clip clip = clip(t0 - 800);
        put(DEVICE, "evt_ring_ui", "snapshot", still.seal(aad(DEVICE, "evt_ring_ui", "snapshot"), withTime(t0, jpeg)));
        put(DEVICE, "evt_ring_ui", "clip", still.seal(aad(DEVICE, "evt_ring_ui", "clip"), clip.plaintext));
        byte[] tampered = still.seal(aad(DEVICE, "evt_motion_ui", "snapshot"), withTime(t0, jpeg));
        tampered[tampered.length - 1] ^= 1;
        put(DEVICE, "evt_motion_ui", "snapshot", tampered);

        String ring = event("evt_ring_ui", "ring", t0, "\"snapshot\",\"clip\"");
        String motion = event("evt_motion_ui", "motion", t0 - 30_000, "\"snapshot\"");
        String door = event("evt_door_ui", "door-opened", t0 - 60_000, "");
        List<String> eventQueries = new CopyOnWriteArrayList<>();
        List<String> deletes = new CopyOnWriteArrayList<>();
        List<String> retention = new CopyOnWriteArrayList<>();

        Page page = phone.page();
        page.navigate(hub.browserUrl().toString());
        assertThat(page.locator("#login-form")).isVisible(); // the app has started; its view is replaced below
        routeHub(page);
        page.route(url -> path(url).equals("/api/events"), route -> {
            String query = URI.create(route.request().url()).getRawQuery();
            eventQueries.add(query);
            String body = query.contains("kind=ring") ? "[" + ring + "]" : "[" + ring + "," + motion + "," + door + "]";
            json(route, 200, body);
        });
        page.route(
                url -> path(url).equals("/api/devices"), route -> json(route, 200, """
                [{"id":"%s","householdId":"%s","name":"Front door","online":true},
                 {"id":"dev_elsewhere","householdId":"hh_other","name":"Not ours","online":true}]""".formatted(DEVICE, HOUSEHOLD)));
        page.route(url -> path(url).matches("/api/devices/[^/]+/events/[^/]+"), route -> {
            if (!"DELETE".equals(route.request().method())) {
                route.fallback();
                return;
            }
            deletes.add(URI.create(route.request().url()).getPath());
            json(route, 200, "{\"deleted\":{\"events\":1,\"blobs\":2}}");
        });
        page.route(url -> path(url).matches("/api/households/[^/]+/retention"), route -> {
            retention.add(route.request().method() + " " + route.request().postData());
            json(route, 200, "{\"days\":7}");
        });
        try {
            page.evaluate("""
                    async ([household]) => {
                      const section = document.createElement('section');
                      section.className = 'card';
                      section.id = 'timeline-test';
                      const h2 = document.createElement('h2');
                      h2.textContent = 'History';
                      const list = document.createElement('ul');
                      list.id = 'history';
                      list.className = 'list';
                      section.append(h2, list);
                      document.getElementById('view').replaceChildren(section);
                      const t = await import('/app/timeline.js');
                      window.__household = { id: household, name: 'Home', role: 'owner', retentionDays: 14 };
                      await t.refreshTimeline(list, window.__household);
                    }""", List.of(HOUSEHOLD));
            Locator ringItem = page.locator("#history li[data-event-id=evt_ring_ui]");
            Locator motionItem = page.locator("#history li[data-event-id=evt_motion_ui]");
            Locator doorItem = page.locator("#history li[data-event-id=evt_door_ui]");
            assertThat(page.locator("#history li.timeline-item")).hasCount(3);
            assertThat(page.locator("#history li.timeline-item").first()).hasAttribute("data-event-id", "evt_ring_ui");
            assertThat(eventQueries.getFirst()).isEqualTo("householdId=" + HOUSEHOLD + "&limit=30");

            // The ring's thumbnail, opened here; the motion's tampered snapshot is not shown at all.
            assertThat(ringItem).hasAttribute("data-snapshot", "opened");
            Locator thumb = ringItem.locator("img.timeline-thumb");
            assertThat(thumb).isVisible();
            assertThat(thumb).hasAttribute("src", Pattern.compile("^blob:"));
            assertThat(motionItem).hasAttribute("data-snapshot", "refused");
            assertThat(motionItem.locator("img.timeline-thumb")).isHidden();
            assertThat(motionItem.locator("img.timeline-thumb")).not().hasAttribute("src", Pattern.compile(".*"));
            assertThat(motionItem.locator(".timeline-media-state")).containsText("Could not be opened");
            assertThat(doorItem.locator("img")).hasCount(0);
            assertThat(doorItem.locator(".timeline-play")).hasCount(0);
            List<List<Number>> thumbPixels = pixels(page.evaluate("""
                    () => { const img = document.querySelector('#history li[data-event-id=evt_ring_ui] img.timeline-thumb');
                      const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                      const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                      return [[c.width, c.height], Array.from(g.getImageData(80, 120, 1, 1).data.slice(0, 3)),
                        Array.from(g.getImageData(240, 120, 1, 1).data.slice(0, 3))]; }"""));
            assertThat(numbers(thumbPixels.get(0))).containsExactly(320, 240);
            assertColour(thumbPixels.get(1), Color.RED);
            assertColour(thumbPixels.get(2), Color.BLUE);

            // The clip, muxed into an MP4 file in this browser, plays in a <video> element to its last picture.
            Locator player = ringItem.locator(".timeline-player");
            ringItem.locator("button.timeline-play").click();
            assertThat(player).hasAttribute("data-state", "ended");
            assertThat(player.locator(".timeline-player-state")).hasText("8 frames · 0.8 s · 320×240");
            @SuppressWarnings("unchecked")
            Map<String, Object> played = (Map<String, Object>) page.evaluate("""
                    () => { const v = document.querySelector('#history li[data-event-id=evt_ring_ui] video.timeline-clip-video');
                      const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
                      const g = c.getContext('2d'); g.drawImage(v, 0, 0);
                      return { width: v.videoWidth, height: v.videoHeight, currentTime: v.currentTime,
                        duration: v.duration, src: v.src,
                        pixels: [Array.from(g.getImageData(80, 120, 1, 1).data.slice(0, 3)),
                          Array.from(g.getImageData(240, 120, 1, 1).data.slice(0, 3))] }; }""");
            assertThat(played.get("src")).asString().startsWith("blob:");
            assertThat(((Number) played.get("width")).intValue()).isEqualTo(320);
            assertThat(((Number) played.get("height")).intValue()).isEqualTo(240);
            assertThat(((Number) played.get("duration")).doubleValue()).isCloseTo(0.8, within(0.01));
            assertThat(((Number) played.get("currentTime")).doubleValue())
                    .as("played to the end")
                    .isCloseTo(0.8, within(0.05));
            List<List<Number>> clipPixels = pixels(played.get("pixels"));
            assertColour(clipPixels.get(0), new Color(0, 200, 0));
            assertColour(clipPixels.get(1), Color.WHITE);
            assertThat(ringItem.locator("button.timeline-play")).hasText("Play again");

            // Saved files are the decrypted media: the JPEG as sealed, the clip as an MP4 file ffprobe reads.
            Download snapshotFile =
                    page.waitForDownload(() -> ringItem.locator("button.timeline-save[data-media=snapshot]")
                            .click());
            assertThat(snapshotFile.suggestedFilename())
                    .startsWith("doorward-front-door-ring-")
                    .endsWith(".jpg");
            assertThat(Files.readAllBytes(snapshotFile.path())).isEqualTo(jpeg);
            Download clipFile = page.waitForDownload(() ->
                    ringItem.locator("button.timeline-save[data-media=clip]").click());
            assertThat(clipFile.suggestedFilename())
                    .isEqualTo("front-door-"
                            + Instant.ofEpochMilli(t0)
                                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                    .toString()
                                    .replace(':', '-')
                            + ".mp4");
            Path saved = dir.resolve("saved-clip.mp4");
            clipFile.saveAs(saved);
            assertThat(Ffprobe.videoStream(saved))
                    .containsEntry("codec_name", "h264")
                    .containsEntry("width", "320")
                    .containsEntry("height", "240")
                    .containsEntry("nb_read_frames", "8")
                    .containsEntry("duration", "0.800000");
            phone.screenshot("history-timeline");

            // Filters: kind, doorbell (this household's only), day; then all again.
            assertThat(page.locator("#history-device option")).hasCount(2);
            page.locator("#history-kind").selectOption("ring");
            assertThat(page.locator("#history li.timeline-item")).hasCount(1);
            assertThat(eventQueries.getLast()).isEqualTo("householdId=" + HOUSEHOLD + "&kind=ring&limit=30");
            page.locator("#history-device").selectOption(DEVICE);
            page.waitForCondition(() -> eventQueries.getLast().contains("deviceId=" + DEVICE));
            page.locator("#history-day").fill("2026-11-24");
            page.waitForCondition(() -> eventQueries.getLast().contains("day=2026-11-24"));
            // The day is the browser's local day: its UTC offset goes along.
            Object offset = page.evaluate("() => String(-new Date().getTimezoneOffset())");
            assertThat(eventQueries.getLast())
                    .isEqualTo("householdId=" + HOUSEHOLD + "&deviceId=" + DEVICE + "&kind=ring&day=2026-11-24"
                            + "&utcOffsetMinutes=" + offset + "&limit=30");
            page.locator("#history-clear-filters").click();
            page.waitForCondition(() -> eventQueries.getLast().equals("householdId=" + HOUSEHOLD + "&limit=30"));
            assertThat(page.locator("#history li.timeline-item")).hasCount(3);
            assertThat(ringItem).hasAttribute("data-snapshot", "opened");

            // Retention (owner or admin).
            Locator setting = page.locator("#history-retention-setting");
            assertThat(setting.locator("summary")).hasText("Events are kept for 14 days");
            setting.locator("summary").click();
            page.locator("#history-retention-days").fill("7");
            page.locator("#history-retention button[type=submit]").click();
            assertThat(setting.locator("summary")).hasText("Events are kept for 7 days");
            assertThat(retention).containsExactly("PUT {\"days\":7}");

            // Delete asks first, then says what went.
            ringItem.locator("button.timeline-delete").click();
            assertThat(ringItem.locator("button.timeline-confirm-delete")).isVisible();
            assertThat(deletes).isEmpty();
            ringItem.locator("button.timeline-confirm-delete").click();
            assertThat(ringItem.locator(".timeline-deleted")).hasText("Deleted 1 event and 2 stored files.");
            assertThat(ringItem).hasAttribute("data-deleted", "true");
            assertThat(deletes).containsExactly("/api/devices/" + DEVICE + "/events/evt_ring_ui");

            // A resident neither deletes nor sets retention.
            page.evaluate("""
                    async () => { const t = await import('/app/timeline.js');
                      window.__household.role = 'resident';
                      await t.refreshTimeline(document.getElementById('history'), window.__household); }""");
            assertThat(page.locator("#history li.timeline-item")).hasCount(3);
            assertThat(page.locator("#history .timeline-delete")).hasCount(0);
            assertThat(page.locator("#history-retention-setting")).hasCount(0);
            assertThat(phone.cspViolations()).isEmpty();
        } finally {
            page.unrouteAll();
        }
    }

    // ---- the stand-in hub

    private void routeHub(Page page) {
        page.route(
                url -> path(url).equals("/api/clients"), route -> json(route, 200, """
                [{"id":"cli_other_browser","signingKeyFingerprint":"x"},
                 {"id":"%s","signingKeyFingerprint":"%s","label":"Browser","createdAt":"2026-11-24T10:00:00Z"}]""".formatted(CLIENT, fingerprint)));
        page.route(url -> path(url).startsWith("/api/devices/"), route -> {
            URI uri = URI.create(route.request().url());
            requests.add(uri.getRawPath());
            if (!"GET".equals(route.request().method())) {
                route.fallback();
                return;
            }
            Matcher object = OBJECT.matcher(uri.getRawPath());
            Matcher key = MEDIA_KEY.matcher(uri.getRawPath());
            if (object.matches() && objects.containsKey(uri.getRawPath())) {
                route.fulfill(new Route.FulfillOptions()
                        .setStatus(200)
                        .setContentType("application/octet-stream")
                        .setBodyBytes(objects.get(uri.getRawPath())));
            } else if (key.matches() && ("clientId=" + CLIENT).equals(uri.getRawQuery())) {
                envelopeFetches.incrementAndGet();
                String envelope = envelopes.get(key.group(1) + "|" + key.group(2));
                if (envelope == null) {
                    json(route, 404, "{\"detail\":\"not found\"}");
                } else {
                    json(route, 200, envelope);
                }
            } else {
                json(route, 404, "{\"detail\":\"not found\"}");
            }
        });
    }

    private static String path(String url) {
        return URI.create(url).getRawPath();
    }

    private static void json(Route route, int status, String body) {
        route.fulfill(new Route.FulfillOptions()
                .setStatus(status)
                .setContentType("application/json")
                .setBody(body));
    }

    private void put(String deviceId, String eventId, String kind, byte[] sealed) {
        objects.put("/api/devices/" + deviceId + "/events/" + eventId + "/" + kind, sealed);
    }

    private void serveEnvelope(long epoch, MediaKeyWrap.Envelope envelope) {
        MediaKeyWrap.Context c = envelope.context();
        envelopes.put(
                c.deviceId() + "|" + epoch,
                "{\"deviceId\":\"%s\",\"epoch\":%d,\"clientId\":\"%s\",\"slot\":%d,\"ephemeralKey\":\"%s\",\"nonce\":\"%s\",\"wrapped\":\"%s\"}"
                        .formatted(
                                c.deviceId(),
                                c.mediaEpoch(),
                                c.clientId(),
                                c.slot(),
                                B64URL.encodeToString(envelope.ephemeralKey()),
                                B64URL.encodeToString(envelope.nonce()),
                                B64URL.encodeToString(envelope.wrapped())));
    }

    private static String event(String id, String kind, long at, String media) {
        return """
                {"eventId":"%s","deviceId":"%s","deviceName":"Front door","kind":"%s","occurredAt":"%s","detail":"","media":[%s]}""".formatted(id, DEVICE, kind, Instant.ofEpochMilli(at), media);
    }

    // ---- sealing as the doorbell does

    private static Sender stillSender(long epoch, byte[] epochKey) {
        return new Sender(new SFrameContext(
                CipherSuite.DEFAULT, epoch * 256 + 2, SFrameContext.senderKey(epochKey, "device-still")));
    }

    private static byte[] aad(String deviceId, String eventId, String kind) {
        return ("doorward-event-media:1:" + deviceId + ":" + eventId + ":" + kind).getBytes(StandardCharsets.UTF_8);
    }

    private static MediaKeyWrap.Envelope wrapToBrowser(String deviceId, long epoch, byte[] epochKey, byte[] to) {
        return MediaKeyWrap.wrap(new MediaKeyWrap.Context(deviceId, epoch, CLIENT, CLIENT_SLOT), epochKey, to, RANDOM);
    }

    /** A clip as the doorbell's buffer holds it: red|blue, then green|white, 100 ms apart, from a keyframe. */
    private record Clip(List<EncodedFrame> frames, List<Long> times, byte[] plaintext) {
        byte[] annexB() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            frames.forEach(f -> out.writeBytes(f.accessUnit()));
            return out.toByteArray();
        }
    }

    private static Clip clip(long t0) {
        JcodecVideoEncoder encoder = new JcodecVideoEncoder(320, 240, 20);
        List<EncodedFrame> frames = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).putLong(t0).array());
        for (int i = 0; i < 8; i++) {
            EncodedFrame frame = encoder.encode(
                    i < 4 ? halves(Color.RED, Color.BLUE) : halves(new Color(0, 200, 0), Color.WHITE), false);
            long time = t0 + 100L * i;
            frames.add(frame);
            times.add(time);
            out.writeBytes(ByteBuffer.allocate(13)
                    .putLong(time)
                    .put((byte) (frame.keyframe() ? 1 : 0))
                    .putInt(frame.accessUnit().length)
                    .array());
            out.writeBytes(frame.accessUnit());
        }
        assertThat(frames.getFirst().keyframe()).isTrue();
        return new Clip(frames, times, out.toByteArray());
    }

    private static byte[] jpeg(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertThat(ImageIO.write(image, "jpg", out)).isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static BufferedImage halves(Color left, Color right) {
        BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(left);
        g.fillRect(0, 0, 160, 240);
        g.setColor(right);
        g.fillRect(160, 0, 160, 240);
        g.dispose();
        return image;
    }

    private static byte[] withTime(long captureTime, byte[] media) {
        return ByteBuffer.allocate(8 + media.length)
                .putLong(captureTime)
                .put(media)
                .array();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static List<List<Number>> pixels(Object value) {
        return (List<List<Number>>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> numbers(Object value) {
        return ((List<Number>) value).stream().map(Number::intValue).toList();
    }

    private static void assertColour(List<Number> rgb, Color expected) {
        int[] want = {expected.getRed(), expected.getGreen(), expected.getBlue()};
        for (int i = 0; i < 3; i++) {
            assertThat(rgb.get(i).intValue())
                    .as("%s channel %d of %s", expected, i, rgb)
                    .isCloseTo(want[i], within(40));
        }
    }
}
