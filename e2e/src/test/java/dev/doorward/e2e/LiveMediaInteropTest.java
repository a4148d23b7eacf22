package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.options.BoundingBox;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.media.JcodecVideoEncoder;
import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.MediaPart;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The browser's live view ({@code /app/media-keys.js}, {@code /app/media-session.js}, {@code /app/live.js}) and
 * the Java side of docs/media.md are the same protocol: the browser opens an epoch key envelope made by
 * {@link MediaKeyWrap} (and refuses one moved to another browser, doorbell or slot), decodes and draws H.264
 * frames made by the doorbell's own encoder and sealed and cut into parts as the doorbell does, opens the
 * doorbell's audio, and seals talk from its (fake) microphone that Java opens. The last test drives the whole
 * dialog against a stand-in for the hub's {@code /api/live} socket.
 */
class LiveMediaInteropTest {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String DEVICE = "dev_front_door_0001";
    private static final String CLIENT = "cli_this_browser_0001";
    private static final int TALK_SLOT = 17;

    private static final String PRELUDE = """
            const ms = await import('/app/media-session.js');
            const mk = await import('/app/media-keys.js');
            const keys = await import('/app/keys.js');
            const d = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
            const e = (u) => { let r = ''; for (let i = 0; i < u.length; i += 0x8000) {
              r += String.fromCharCode(...u.subarray(i, i + 0x8000)); } return btoa(r); };
            """;

    /** The hub only serves the web app's modules here: the test run's shared one. */
    @RegisterExtension
    static final HubAndBrowser env = HubAndBrowser.webAppOnly();

    static TestHub hub;
    static Chromium chromium;
    static Phone phone;
    /** This browser's ECDH agreement public key (SPKI), made by keys.js. */
    static byte[] agreementKey;

    @BeforeAll
    static void start() {
        hub = env.hub();
        chromium = env.chromium();
        phone = chromium.phone("viewer");
        Response response = phone.page().navigate(hub.browserUrl().toString());
        assertThat(response.status()).isEqualTo(200);
        String spki = (String) run("return (await keys.publicKeys(await keys.clientKeys())).agreementKey;", null);
        agreementKey = B64D.decode(spki);
    }

    @AfterAll
    static void stop() {
        if (phone != null) {
            phone.close();
        }
    }

    private static Object run(String body, Object arg) {
        return phone.page().evaluate("async (arg) => {\n" + PRELUDE + body + "\n}", arg);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> runForList(String body, Object arg) {
        return (List<Object>) run(body, arg);
    }

    // ---- key envelopes

    @Test
    void theBrowserUnwrapsTheEpochKeyAndRefusesMovedOrTamperedEnvelopes() throws SFrameException {
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        MediaKeyWrap.Envelope good = MediaKeyWrap.wrap(
                new MediaKeyWrap.Context(DEVICE, epoch, CLIENT, TALK_SLOT), epochKey, agreementKey, RANDOM);
        byte[] sealed = new SFrameContext(
                        CipherSuite.DEFAULT, epoch * 256, SFrameContext.senderKey(epochKey, "device-video"))
                .seal(5, new byte[0], "sealed by the doorbell".getBytes());

        Map<String, Object> cases = new LinkedHashMap<>();
        cases.put("good", envelope(good));
        cases.put("slot changed", with(envelope(good), "slot", 18));
        cases.put("epoch changed", with(envelope(good), "epoch", (double) (epoch + 1)));
        cases.put("wrapped tampered", with(envelope(good), "wrapped", flip(good.wrapped(), 3)));
        cases.put("tag tampered", with(envelope(good), "wrapped", flip(good.wrapped(), 47)));
        cases.put("nonce tampered", with(envelope(good), "nonce", flip(good.nonce(), 0)));
        cases.put(
                "another ephemeral key",
                with(
                        envelope(good),
                        "ephemeralKey",
                        B64URL.encodeToString(
                                KeyPairs.newP256(RANDOM).getPublic().getEncoded())));
        cases.put("garbage ephemeral key", with(envelope(good), "ephemeralKey", "AAAA"));
        cases.put("padded base64", with(envelope(good), "nonce", B64URL.encodeToString(good.nonce()) + "="));
        cases.put(
                "wrapped truncated",
                with(envelope(good), "wrapped", B64URL.encodeToString(java.util.Arrays.copyOf(good.wrapped(), 47))));
        cases.put(
                "wrapped to another browser",
                envelope(MediaKeyWrap.wrap(
                        new MediaKeyWrap.Context(DEVICE, epoch, CLIENT, TALK_SLOT),
                        epochKey,
                        KeyPairs.newP256(RANDOM).getPublic().getEncoded(),
                        RANDOM)));
        // The envelope's own claims are not what the browser checks against: its expectations are.
        cases.put("claims another client", with(envelope(good), "clientId", "cli_someone_else"));

        @SuppressWarnings("unchecked")
        Map<String, String> outcomes =
                (Map<String, String>) run("""
                const [cases, sealed, device, client] = arg;
                const sf = await import('/app/sframe.js');
                const out = {};
                const tryOpen = async (env, expected) => {
                  try {
                    const k = await mk.unwrapEpochKey(env, expected);
                    const base = await sf.senderKey(k.epochKey, 'device-video');
                    const ctx = await sf.createContext(sf.DEFAULT_SUITE, BigInt(k.epoch) * 256n, base);
                    return 'OPENED ' + k.epoch + '/' + k.slot + ' ' + new TextDecoder().decode(await ctx.open(d(sealed)));
                  } catch (err) {
                    return err instanceof mk.MediaKeyError ? 'REFUSED' : 'OTHER ' + err;
                  }
                };
                for (const [name, env] of Object.entries(cases)) {
                  out[name] = await tryOpen(env, { deviceId: device, clientId: client });
                }
                out['for another client'] = await tryOpen(cases.good, { deviceId: device, clientId: 'cli_other' });
                out['for another doorbell'] = await tryOpen(cases.good, { deviceId: 'dev_other', clientId: client });
                return out;
                """, List.of(cases, B64.encodeToString(sealed), DEVICE, CLIENT));

        String opened = "OPENED " + epoch + "/" + TALK_SLOT + " sealed by the doorbell";
        assertThat(outcomes.remove("good")).isEqualTo(opened);
        assertThat(outcomes.remove("claims another client")).isEqualTo(opened);
        assertThat(outcomes)
                .hasSize(cases.size())
                .allSatisfy((name, outcome) -> assertThat(outcome).as(name).isEqualTo("REFUSED"));
    }

    // ---- video

    @Test
    void theBrowserDrawsWhatTheDoorbellEncodedSealedAndSplit() throws SFrameException {
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        Sender video = new Sender(
                new SFrameContext(CipherSuite.DEFAULT, epoch * 256, SFrameContext.senderKey(epochKey, "device-video")));
        JcodecVideoEncoder encoder = new JcodecVideoEncoder(320, 240, 4);
        BufferedImage redBlue = halves(Color.RED, Color.BLUE);
        BufferedImage greenWhite = halves(new Color(0, 200, 0), Color.WHITE);
        // K0 P1 P2 P3 K4 P5 P6 P7 (red|blue) then K8 P9 P10 (green|white); the keyframe flag is set by the parts.
        List<List<String>> frames = new ArrayList<>();
        List<Boolean> keyframes = new ArrayList<>();
        long t0 = System.currentTimeMillis();
        for (int i = 0; i < 11; i++) {
            EncodedFrame frame = encoder.encode(i < 8 ? redBlue : greenWhite, false);
            keyframes.add(frame.keyframe());
            byte[] sealed = video.seal(new byte[0], withTime(t0 + 100 * i, frame.accessUnit()));
            frames.add(MediaPart.split(MediaPart.Kind.VIDEO, frame.keyframe(), sealed).stream()
                    .map(LiveMediaInteropTest::base64)
                    .toList());
        }
        assertThat(keyframes).containsExactly(true, false, false, false, true, false, false, false, true, false, false);
        assertThat(frames.get(0)).as("a keyframe takes more than one part").hasSizeGreaterThan(1);

        // Joining mid-GOP: P2 P3 are not decoded; K4 on they are. P6 is tampered: refused, and P7 then waits
        // for the next keyframe, K8.
        List<List<String>> delivered = new ArrayList<>(frames.subList(2, 11));
        List<String> tampered = new ArrayList<>(delivered.get(4)); // P6
        byte[] last = B64D.decode(tampered.getLast());
        last[last.length - 1] ^= 1;
        tampered.set(tampered.size() - 1, B64.encodeToString(last));
        delivered.set(4, tampered);

        List<Object> result =
                runForList("""
                const [env, frames, device, client] = arg;
                const canvas = document.createElement('canvas');
                document.body.append(canvas);
                const sink = ms.createVideoSink(canvas);
                const decoded = []; const refused = []; const pixels = [];
                const session = new ms.MediaSession({ deviceId: device, clientId: client }, {
                  video: (au, t) => decoded.push(sink.decode(au, t) ? String(t) : 'skipped'),
                  videoLost: () => sink.lost(),
                  refused: (kind, err) => refused.push(kind + ' ' + err.reason),
                });
                await session.addEnvelope(env);
                const px = (x, y) => Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
                for (let i = 0; i < frames.length; i++) {
                  for (const part of frames[i]) await session.receive(d(part));
                  if (i === 5) { await sink.flush(); pixels.push(px(80, 170), px(240, 170)); }
                }
                await sink.flush();
                pixels.push(px(80, 170), px(240, 170));
                return [decoded, refused, pixels, canvas.width, canvas.height];
                """, List.of(envelope(wrapToBrowser(epoch, epochKey)), delivered, DEVICE, CLIENT));

        assertThat(result.get(0))
                .as("capture times of the frames decoded")
                .isEqualTo(List.of(
                        "skipped",
                        "skipped",
                        at(t0, 400),
                        at(t0, 500),
                        "skipped",
                        at(t0, 800),
                        at(t0, 900),
                        at(t0, 1000)));
        assertThat(result.get(1)).isEqualTo(List.of("1 AUTHENTICATION_FAILED"));
        @SuppressWarnings("unchecked")
        List<List<Number>> pixels = (List<List<Number>>) result.get(2);
        assertColour(pixels.get(0), Color.RED);
        assertColour(pixels.get(1), Color.BLUE);
        assertColour(pixels.get(2), new Color(0, 200, 0));
        assertColour(pixels.get(3), Color.WHITE);
        assertThat(((Number) result.get(3)).intValue()).isEqualTo(320);
        assertThat(((Number) result.get(4)).intValue()).isEqualTo(240);
        assertThat(phone.cspViolations()).isEmpty();
    }

    // ---- audio both ways

    @Test
    void theBrowserOpensAndPlaysTheDoorbellsAudio() throws SFrameException {
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        Sender audio = new Sender(new SFrameContext(
                CipherSuite.DEFAULT, epoch * 256 + 1, SFrameContext.senderKey(epochKey, "device-audio")));
        List<byte[]> pcm = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        long t0 = System.currentTimeMillis();
        for (int f = 0; f < 10; f++) {
            ByteBuffer samples = ByteBuffer.allocate(640).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 320; i++) {
                samples.putShort((short) (12_000 * Math.sin(2 * Math.PI * 440 * (f * 320 + i) / 16_000.0)));
            }
            pcm.add(samples.array());
            byte[] sealed = audio.seal(new byte[0], withTime(t0 + 20 * f, samples.array()));
            List<ByteBuffer> split = MediaPart.split(MediaPart.Kind.AUDIO, false, sealed);
            assertThat(split).hasSize(1);
            parts.add(base64(split.getFirst()));
        }
        // A replayed audio frame is not played twice.
        parts.add(3, parts.get(2));

        List<Object> result = runForList("""
                const [env, parts, device, client] = arg;
                const context = new AudioContext({ sampleRate: ms.SAMPLE_RATE });
                const player = ms.createAudioPlayer(context);
                const heard = []; const refused = [];
                const session = new ms.MediaSession({ deviceId: device, clientId: client }, {
                  audio: (samples, t) => {
                    player.play(samples);
                    const bytes = new Uint8Array(samples.length * 2);
                    new DataView(bytes.buffer).setInt16(0, 0);
                    samples.forEach((s, i) => new DataView(bytes.buffer).setInt16(2 * i, s, true));
                    heard.push([t, e(bytes)]);
                  },
                  refused: (kind, err) => refused.push(kind + ' ' + err.reason),
                });
                await session.addEnvelope(env);
                for (const p of parts) await session.receive(d(p));
                await context.close();
                return [heard, refused];
                """, List.of(envelope(wrapToBrowser(epoch, epochKey)), parts, DEVICE, CLIENT));

        @SuppressWarnings("unchecked")
        List<List<Object>> heard = (List<List<Object>>) result.get(0);
        assertThat(heard).hasSize(10);
        for (int f = 0; f < 10; f++) {
            assertThat(((Number) heard.get(f).get(0)).longValue()).isEqualTo(t0 + 20 * f);
            assertThat(B64D.decode((String) heard.get(f).get(1))).isEqualTo(pcm.get(f));
        }
        assertThat(result.get(1)).isEqualTo(List.of("2 REPLAYED"));
    }

    @Test
    void javaOpensTalkTheBrowserCapturedAndSealed() throws SFrameException {
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        List<Object> result = runForList("""
                const [env, device, client] = arg;
                const live = await import('/app/live.js');
                const session = new ms.MediaSession({ deviceId: device, clientId: client });
                await session.addEnvelope(env);
                const context = new AudioContext({ sampleRate: ms.SAMPLE_RATE });
                await context.resume();
                const frames = [];
                let enough;
                const done = new Promise((resolve) => { enough = resolve; setTimeout(resolve, 8000); });
                const capture = await live.startCapture(context, (samples) => {
                  frames.push(samples);
                  if (frames.length === 50) enough();
                });
                await done;
                capture.stop();
                const out = [];
                for (const samples of frames.slice(0, 50)) {
                  const t = Date.now();
                  const parts = await session.sealTalk(samples, t);
                  out.push([String(t), e(new Uint8Array(samples.buffer)), parts.map(e)]);
                }
                await context.close();
                return out;
                """, List.of(envelope(wrapToBrowser(epoch, epochKey)), DEVICE, CLIENT));

        assertThat(result)
                .as("20 ms frames from the fake microphone in about a second")
                .hasSize(50);
        long kid = epoch * 256 + TALK_SLOT;
        Receiver receiver = new Receiver();
        receiver.addKey(
                new SFrameContext(CipherSuite.DEFAULT, kid, SFrameContext.senderKey(epochKey, "client-" + CLIENT)));
        MediaPart.Assembler assembler = new MediaPart.Assembler(1024);
        long firstCounter = -1;
        boolean sound = false;
        for (int i = 0; i < result.size(); i++) {
            @SuppressWarnings("unchecked")
            List<Object> frame = (List<Object>) result.get(i);
            byte[] pcm = B64D.decode((String) frame.get(1));
            @SuppressWarnings("unchecked")
            List<String> parts = (List<String>) frame.get(2);
            assertThat(pcm).hasSize(640);
            assertThat(parts).hasSize(1);
            MediaPart part = MediaPart.decode(ByteBuffer.wrap(B64D.decode(parts.getFirst())));
            assertThat(part.kind()).isEqualTo(MediaPart.Kind.TALK);
            assertThat(part.first() && part.last() && !part.keyframe()).isTrue();
            byte[] sealed = assembler.add(part);
            SFrameHeader header = SFrameHeader.decode(sealed);
            assertThat(header.kid()).isEqualTo(kid);
            if (i == 0) {
                firstCounter = header.counter();
                // Time-based start: ahead of any earlier session of this browser (docs/media.md).
                long startedAtMs = firstCounter / 1024;
                assertThat(Math.abs(System.currentTimeMillis() - startedAtMs)).isLessThan(60_000);
            } else {
                assertThat(header.counter()).isEqualTo(firstCounter + i);
            }
            byte[] plaintext = receiver.open(sealed, new byte[0]);
            ByteBuffer opened = ByteBuffer.wrap(plaintext);
            assertThat(opened.getLong()).isEqualTo(Long.parseLong((String) frame.get(0)));
            byte[] samples = new byte[opened.remaining()];
            opened.get(samples);
            assertThat(samples).isEqualTo(pcm);
            for (byte b : pcm) {
                sound |= b != 0;
            }
        }
        assertThat(sound).as("the fake microphone is not silent throughout").isTrue();
    }

    // ---- the dialog, against a stand-in for the hub's live socket

    @Test
    void theLiveDialogShowsThePictureAndTalksBack() throws SFrameException {
        Page page = phone.page();
        long epoch = Instant.now().getEpochSecond();
        byte[] epochKey = randomBytes(32);
        String fingerprint = (String) run("return (await keys.publicKeys(await keys.clientKeys())).fingerprint;", null);
        page.route(
                "**/api/clients",
                route -> route.fulfill(new Route.FulfillOptions()
                        .setStatus(200)
                        .setContentType("application/json")
                        .setBody("[{\"id\":\"cli_other_browser\",\"signingKeyFingerprint\":\"x\"},"
                                + "{\"id\":\"" + CLIENT + "\",\"signingKeyFingerprint\":\"" + fingerprint
                                + "\",\"label\":\"Browser\",\"createdAt\":\"2026-11-24T10:00:00Z\"}]")));
        List<String> texts = new CopyOnWriteArrayList<>();
        List<byte[]> talk = new CopyOnWriteArrayList<>();
        List<WebSocketRoute> sockets = new CopyOnWriteArrayList<>();
        page.routeWebSocket("**/api/live", socket -> {
            sockets.add(socket);
            socket.onMessage(frame -> {
                if (frame.text() != null) {
                    texts.add(frame.text());
                } else {
                    talk.add(frame.binary());
                }
            });
        });
        try {
            // Socket routes apply to pages loaded after them.
            page.navigate(hub.browserUrl().toString());
            page.evaluate(
                    "async ([device]) => (await import('/app/live.js')).openLiveView(device, 'Front door') && null",
                    List.of(DEVICE));
            Locator dialog = page.locator("dialog.live-dialog");
            assertThat(dialog).isVisible();
            page.waitForCondition(() -> !texts.isEmpty());
            assertThat(texts.getFirst())
                    .isEqualTo("{\"type\":\"watch\",\"deviceId\":\"" + DEVICE + "\",\"clientId\":\"" + CLIENT + "\"}");
            WebSocketRoute hubSide = sockets.getFirst();
            assertThat(dialog.locator(".live-state")).hasText("Connecting…");
            assertThat(dialog.locator(".live-canvas")).isHidden();

            // Another browser's envelope is not even tried; this browser's opens.
            Map<String, Object> other = envelope(MediaKeyWrap.wrap(
                    new MediaKeyWrap.Context(DEVICE, epoch, "cli_other_browser", 16),
                    epochKey,
                    KeyPairs.newP256(RANDOM).getPublic().getEncoded(),
                    RANDOM));
            hubSide.send(json(other));
            hubSide.send(json(envelope(wrapToBrowser(epoch, epochKey))));
            hubSide.send("{\"type\":\"state\",\"state\":\"live\"}");
            assertThat(dialog.locator(".live-state")).hasText("Live");
            assertThat(dialog.locator(".live-message")).hasText("Waiting for the picture…");

            Sender video = new Sender(new SFrameContext(
                    CipherSuite.DEFAULT, epoch * 256, SFrameContext.senderKey(epochKey, "device-video")));
            JcodecVideoEncoder encoder = new JcodecVideoEncoder(320, 240, 10);
            BufferedImage picture = halves(Color.RED, Color.BLUE);
            for (int i = 0; i < 3; i++) {
                EncodedFrame frame = encoder.encode(picture, false);
                byte[] sealed = video.seal(new byte[0], withTime(System.currentTimeMillis(), frame.accessUnit()));
                for (ByteBuffer part : MediaPart.split(MediaPart.Kind.VIDEO, frame.keyframe(), sealed)) {
                    hubSide.send(bytes(part));
                }
            }
            Locator canvas = dialog.locator(".live-canvas");
            assertThat(canvas).isVisible();
            assertThat(dialog.locator(".live-message")).isHidden();
            assertThat(dialog.locator(".live-latency")).hasText(Pattern.compile("^\\d+ ms$"));
            BufferedImage shown = Chromium.pictureOf(canvas);
            assertColour(rgb(shown.getRGB(shown.getWidth() / 4, shown.getHeight() * 2 / 3)), Color.RED);
            assertColour(rgb(shown.getRGB(shown.getWidth() * 3 / 4, shown.getHeight() * 2 / 3)), Color.BLUE);
            phone.screenshot("live-view");

            // Hold to talk for about half a second.
            Locator button = dialog.locator(".live-talk");
            assertThat(button).isEnabled();
            BoundingBox box = button.boundingBox();
            page.mouse().move(box.x + box.width / 2, box.y + box.height / 2);
            page.mouse().down();
            assertThat(button).hasAttribute("aria-pressed", "true");
            page.waitForCondition(() -> talk.size() >= 10);
            page.mouse().up();
            assertThat(button).hasAttribute("aria-pressed", "false");
            int sent = talk.size();
            page.waitForTimeout(300);
            assertThat(talk.size()).as("nothing more once released").isLessThanOrEqualTo(sent + 2);
            Receiver receiver = new Receiver();
            receiver.addKey(new SFrameContext(
                    CipherSuite.DEFAULT,
                    epoch * 256 + TALK_SLOT,
                    SFrameContext.senderKey(epochKey, "client-" + CLIENT)));
            MediaPart.Assembler assembler = new MediaPart.Assembler(1024);
            for (byte[] message : talk) {
                byte[] plaintext = receiver.open(assembler.add(MediaPart.decode(ByteBuffer.wrap(message))), null);
                assertThat(plaintext).hasSize(8 + 640);
                assertThat(ByteBuffer.wrap(plaintext).getLong())
                        .isCloseTo(System.currentTimeMillis(), Offset.offset(10_000L));
            }

            // The hub ends the view: no picture, no talk.
            hubSide.send("{\"type\":\"state\",\"state\":\"ended\",\"detail\":\"you are no longer a member\"}");
            assertThat(dialog.locator(".live-message")).hasText("you are no longer a member");
            assertThat(canvas).isHidden();
            assertThat(button).isDisabled();
            dialog.locator(".live-close").click();
            assertThat(dialog).hasCount(0);

            // A browser the doorbell has no key for sees the reason, never a picture.
            page.evaluate(
                    "async ([device]) => (await import('/app/live.js')).openLiveView(device, 'Front door') && null",
                    List.of(DEVICE));
            page.waitForCondition(() -> sockets.size() == 2);
            sockets.get(1).send("{\"type\":\"state\",\"state\":\"not-in-roster\"}");
            assertThat(dialog.locator(".live-message"))
                    .hasText("This browser is not approved yet — ask an admin to approve it");
            assertThat(dialog.locator(".live-canvas")).isHidden();
            assertThat(dialog.locator(".live-talk")).isDisabled();
            page.keyboard().press("Escape");
            assertThat(dialog).hasCount(0);
            assertThat(phone.cspViolations()).isEmpty();
        } finally {
            page.unrouteAll();
        }
    }

    // ---- helpers

    private static String json(Map<String, Object> message) {
        StringBuilder out = new StringBuilder("{");
        message.forEach((key, value) -> {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append('"').append(key).append("\":");
            out.append(value instanceof String ? "\"" + value + "\"" : Long.toString(((Number) value).longValue()));
        });
        return out.append('}').toString();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static List<Number> rgb(int pixel) {
        return List.of((pixel >> 16) & 0xff, (pixel >> 8) & 0xff, pixel & 0xff);
    }

    /** Wraps an epoch key to this browser (client {@link #CLIENT}, slot {@link #TALK_SLOT}) for {@link #DEVICE}. */
    private static MediaKeyWrap.Envelope wrapToBrowser(long epoch, byte[] epochKey) {
        return MediaKeyWrap.wrap(
                new MediaKeyWrap.Context(DEVICE, epoch, CLIENT, TALK_SLOT), epochKey, agreementKey, RANDOM);
    }

    /** The hub's key message for an envelope. */
    private static Map<String, Object> envelope(MediaKeyWrap.Envelope envelope) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "key");
        message.put("deviceId", envelope.context().deviceId());
        message.put("epoch", (double) envelope.context().mediaEpoch()); // Playwright passes numbers, not longs
        message.put("clientId", envelope.context().clientId());
        message.put("slot", envelope.context().slot());
        message.put("ephemeralKey", B64URL.encodeToString(envelope.ephemeralKey()));
        message.put("nonce", B64URL.encodeToString(envelope.nonce()));
        message.put("wrapped", B64URL.encodeToString(envelope.wrapped()));
        return message;
    }

    private static Map<String, Object> with(Map<String, Object> message, String key, Object value) {
        message.put(key, value);
        return message;
    }

    private static String flip(byte[] bytes, int index) {
        byte[] copy = bytes.clone();
        copy[index] ^= 1;
        return B64URL.encodeToString(copy);
    }

    private static byte[] withTime(long captureTime, byte[] media) {
        return ByteBuffer.allocate(8 + media.length)
                .putLong(captureTime)
                .put(media)
                .array();
    }

    private static String base64(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return B64.encodeToString(bytes);
    }

    private static String at(long t0, int plus) {
        return Long.toString(t0 + plus);
    }

    private static BufferedImage halves(Color left, Color right) {
        BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(left);
        g.fillRect(0, 0, 160, 240);
        g.setColor(right);
        g.fillRect(160, 0, 160, 240);
        g.dispose();
        // Noise in the top third, so that a keyframe takes more than one 8 KiB part.
        java.util.Random noise = new java.util.Random(left.getRGB());
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 320; x++) {
                image.setRGB(x, y, noise.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static void assertColour(List<Number> rgb, Color expected) {
        int[] want = {expected.getRed(), expected.getGreen(), expected.getBlue()};
        for (int i = 0; i < 3; i++) {
            assertThat(rgb.get(i).intValue())
                    .as("%s channel %d of %s", expected, i, rgb)
                    .isCloseTo(want[i], within(40));
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
