package dev.doorward.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Response;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.TestHub;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The browser's SFrame ({@code /app/sframe.js}, WebCrypto) and the Java one ({@code dev.doorward.crypto.sframe})
 * are the same protocol: each opens what the other sealed, both pass the RFC 9605 test vectors, both parse
 * every header the same way, and the browser refuses tampered frames. The page is the hub's own app page,
 * so the module loads under the hub's strict Content-Security-Policy.
 */
class SFrameInteropTest {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Base64 helpers every evaluated script starts with; `s` is the module under test. */
    private static final String PRELUDE = """
            const s = await import('/app/sframe.js');
            const d = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
            const e = (u) => { let r = ''; for (let i = 0; i < u.length; i += 0x8000) {
              r += String.fromCharCode(...u.subarray(i, i + 0x8000)); } return btoa(r); };
            const h = (t) => Uint8Array.from(t.match(/../g) || [], (x) => parseInt(x, 16));
            const hx = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
            const why = async (f) => { try { await f(); return 'OPENED'; }
              catch (err) { return err instanceof s.SFrameError ? err.reason : 'OTHER ' + err; } };
            """;

    /**
     * RFC 9605 Appendix C.3, the AES-GCM cases, from the RFC text (sframe-wg/sframe,
     * auth48-v4/draft-ietf-sframe-enc.txt, as published): suite, kid, ctr, base_key, sframe_key, sframe_salt,
     * metadata, pt, ct. The crypto module's Rfc9605Vectors holds the same values with the intermediate ones.
     */
    private static final List<List<String>> RFC_SFRAME = List.of(
            List.of(
                    "4",
                    "123",
                    "4567",
                    "000102030405060708090a0b0c0d0e0f",
                    "d34f547f4ca4f9a7447006fe7fcbf768",
                    "75234edefe07819026751816",
                    "4945544620534672616d65205747",
                    "64726166742d696574662d736672616d652d656e63",
                    "9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb"),
            List.of(
                    "5",
                    "123",
                    "4567",
                    "000102030405060708090a0b0c0d0e0f",
                    "d3e27b0d4a5ae9e55df01a70e6d4d28d969b246e2936f4b7a5d9b494da6b9633",
                    "84991c167b8cd23c93708ec7",
                    "4945544620534672616d65205747",
                    "64726166742d696574662d736672616d652d656e63",
                    "990123456794f509d36e9beacb0e261d99c7d1e972f1fed787d4049f17ca21353c1cc24d56ceabced279"));

    /** RFC 9605 Appendix C.1, a selection (kid, ctr in hex; header), same source. */
    private static final List<List<String>> RFC_HEADERS = List.of(
            List.of("0", "0", "00"),
            List.of("0", "1", "01"),
            List.of("0", "ff", "08ff"),
            List.of("0", "ffffffffffffffff", "0fffffffffffffffff"),
            List.of("1", "100", "190100"),
            List.of("ff", "0", "80ff"),
            List.of("ff", "ff", "88ffff"),
            List.of("100", "ffffffffffffffff", "9f0100ffffffffffffffff"),
            List.of("10000", "100000000000000", "af0100000100000000000000"),
            List.of("1000000", "1000000", "bb0100000001000000"),
            List.of("ffffffffff", "ffffffffffffffff", "cfffffffffffffffffffffffffff"),
            List.of("1000000000000", "ffffffffffffff", "ee01000000000000ffffffffffffff"),
            List.of("100000000000000", "100000000000000", "ff01000000000000000100000000000000"),
            List.of("ffffffffffffffff", "10000", "faffffffffffffffff010000"),
            List.of("ffffffffffffffff", "ffffffffffffffff", "ffffffffffffffffffffffffffffffffff"));

    /** senderKey(00..1f, "device-video"), computed independently (see SFrameContextTest). */
    private static final String SENDER_KEY_KAT = "a78e64806406ecfd3e5d566d0446e23103e595d61e4706932a756d727e6b1b11";

    /** The hub only serves the web app's modules here: the test run's shared one. */
    @RegisterExtension
    static final HubAndBrowser env = HubAndBrowser.webAppOnly();

    static TestHub hub;
    static Chromium chromium;
    static Phone phone;

    @BeforeAll
    static void start() {
        hub = env.hub();
        chromium = env.chromium();
        phone = chromium.phone("viewer");
        Response response = phone.page().navigate(hub.browserUrl().toString());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().get("content-security-policy")).contains("script-src 'self'");
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
    private static List<String> runForStrings(String body, Object arg) {
        return (List<String>) run(body, arg);
    }

    @Test
    void theBrowserOpensWhatJavaSealed() throws SFrameException {
        for (CipherSuite suite : CipherSuite.values()) {
            byte[] epochKey = randomBytes(32);
            byte[] baseKey = SFrameContext.senderKey(epochKey, "device-video");
            long kid = 1_000L + suite.ordinal();
            Sender sender = new Sender(new SFrameContext(suite, kid, baseKey));
            List<byte[]> plaintexts = new ArrayList<>();
            List<String> frames = new ArrayList<>();
            for (int size : new int[] {0, 1, 15, 16, 17, 100, 1_200, 20_000, 70_000}) {
                byte[] plaintext = randomBytes(size);
                plaintexts.add(plaintext);
                frames.add(B64.encodeToString(sender.seal(metadata(size), plaintext)));
            }

            List<String> opened =
                    runForStrings("""
                    const [epochB64, suite, kid, frames] = arg;
                    const base = await s.senderKey(d(epochB64), 'device-video');
                    const receiver = s.createReceiver();
                    receiver.addKey(await s.createContext(suite, BigInt(kid), base));
                    const sizes = [0, 1, 15, 16, 17, 100, 1200, 20000, 70000];
                    const out = [];
                    for (let i = 0; i < frames.length; i++) {
                      const meta = new TextEncoder().encode('frame ' + sizes[i]);
                      out.push(e(await receiver.open(d(frames[i]), meta)));
                    }
                    // Each frame is accepted once only.
                    out.push(await why(() => receiver.open(d(frames[3]), new TextEncoder().encode('frame 16'))));
                    return out;
                    """, List.of(B64.encodeToString(epochKey), suite.id(), Long.toString(kid), frames));

            assertThat(opened).hasSize(plaintexts.size() + 1);
            for (int i = 0; i < plaintexts.size(); i++) {
                assertThat(B64D.decode(opened.get(i))).as(suite + " frame " + i).isEqualTo(plaintexts.get(i));
            }
            assertThat(opened.getLast()).isEqualTo("REPLAYED");
        }
    }

    @Test
    void javaOpensWhatTheBrowserSealed() throws SFrameException {
        for (CipherSuite suite : CipherSuite.values()) {
            byte[] epochKey = randomBytes(32);
            long kid = 0xfedcba9876L;
            List<byte[]> plaintexts = new ArrayList<>();
            for (int size : new int[] {0, 3, 16, 160, 4_000, 50_000}) {
                plaintexts.add(randomBytes(size));
            }
            List<String> sealed = runForStrings(
                    """
                    const [epochB64, suite, kid, plaintexts] = arg;
                    const base = await s.senderKey(d(epochB64), 'talk:phone-1');
                    const sender = s.createSender(await s.createContext(suite, BigInt(kid), base));
                    const out = [];
                    for (const p of plaintexts) {
                      out.push(e(await sender.seal(new TextEncoder().encode('talk'), d(p))));
                    }
                    out.push(hx(base));
                    return out;
                    """,
                    List.of(
                            B64.encodeToString(epochKey),
                            suite.id(),
                            Long.toString(kid),
                            plaintexts.stream().map(B64::encodeToString).toList()));

            byte[] baseKey = SFrameContext.senderKey(epochKey, "talk:phone-1");
            assertThat(sealed.getLast()).as("senderKey in both").isEqualTo(HEX.formatHex(baseKey));
            Receiver receiver = new Receiver();
            receiver.addKey(new SFrameContext(suite, kid, baseKey));
            for (int i = 0; i < plaintexts.size(); i++) {
                byte[] frame = B64D.decode(sealed.get(i));
                SFrameHeader header = SFrameHeader.decode(frame);
                assertThat(header.kid()).isEqualTo(kid);
                assertThat(header.counter()).as("the browser's counter").isEqualTo(i);
                assertThat(receiver.open(frame, "talk".getBytes())).isEqualTo(plaintexts.get(i));
            }
        }
    }

    @Test
    void theBrowserPassesTheRfc9605Vectors() {
        List<String> failures = runForStrings("""
                const [sframes, headers, senderKat] = arg;
                const failures = [];
                const check = (what, got, want) => { if (got !== want) failures.push(what + ': ' + got + ' != ' + want); };
                for (const [kid, ctr, header] of headers) {
                  check('encode ' + kid + '/' + ctr, hx(s.encodeHeader(BigInt('0x' + kid), BigInt('0x' + ctr))), header);
                  const parsed = s.decodeHeader(h(header));
                  check('decode kid ' + header, parsed.kid, BigInt('0x' + kid));
                  check('decode ctr ' + header, parsed.ctr, BigInt('0x' + ctr));
                  check('decode length ' + header, parsed.length, header.length / 2);
                }
                for (const [suite, kid, ctr, baseKey, key, salt, meta, pt, ct] of sframes) {
                  const id = parseInt(suite, 16);
                  const derived = await s.deriveKeySalt(id, BigInt('0x' + kid), h(baseKey));
                  check('sframe_key ' + suite, hx(derived.key), key);
                  check('sframe_salt ' + suite, hx(derived.salt), salt);
                  const context = await s.createContext(id, BigInt('0x' + kid), h(baseKey));
                  check('seal ' + suite, hx(await context.seal(BigInt('0x' + ctr), h(meta), h(pt))), ct);
                  check('open ' + suite, hx(await context.open(h(ct), h(meta))), pt);
                }
                const epoch = Uint8Array.from({ length: 32 }, (_, i) => i);
                check('senderKey', hx(await s.senderKey(epoch, 'device-video')), senderKat);
                return failures;
                """, List.of(RFC_SFRAME, RFC_HEADERS, SENDER_KEY_KAT));
        assertThat(failures).isEmpty();
    }

    @Test
    void theBrowserParsesEveryHeaderLikeJava() {
        // The 17 x 17 grid of RFC 9605 C.1 (Java checks its own encoder against the RFC) plus random bytes.
        List<Long> values = new ArrayList<>(List.of(0L, 1L));
        for (int bytes = 1; bytes <= 7; bytes++) {
            values.add((1L << (8 * bytes)) - 1); // 0xff, 0xffff, ...
            values.add(1L << (8 * bytes)); // 0x100, 0x10000, ...
        }
        values.add(-1L); // 0xffffffffffffffff
        List<String> inputs = new ArrayList<>();
        for (long kid : values) {
            for (long ctr : values) {
                inputs.add(HEX.formatHex(SFrameHeader.of(kid, ctr).encode()));
            }
        }
        Random random = new Random(9605);
        for (int i = 0; i < 3_000; i++) {
            byte[] data = new byte[random.nextInt(19)];
            random.nextBytes(data);
            if (i % 2 == 0 && data.length > 1) {
                data[1] |= 1;
            }
            inputs.add(HEX.formatHex(data));
        }
        List<String> expected = inputs.stream()
                .map(input -> {
                    try {
                        SFrameHeader header = SFrameHeader.decode(HEX.parseHex(input));
                        return Long.toUnsignedString(header.kid()) + "/" + Long.toUnsignedString(header.counter()) + "/"
                                + header.encodedLength();
                    } catch (IllegalArgumentException e) {
                        return "MALFORMED";
                    }
                })
                .toList();
        List<String> actual = runForStrings("""
                return arg.map((input) => {
                  try {
                    const p = s.decodeHeader(h(input));
                    return p.kid + '/' + p.ctr + '/' + p.length;
                  } catch (err) {
                    return err instanceof s.SFrameError ? err.reason : 'OTHER ' + err;
                  }
                });
                """, inputs);
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.stream().filter(x -> !x.equals("MALFORMED")).count())
                .isGreaterThan(500);
    }

    @Test
    void theBrowserRefusesTamperedFrames() throws SFrameException {
        byte[] baseKey = randomBytes(32);
        long kid = 12;
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, kid, baseKey);
        byte[] good = context.seal(300, "m".getBytes(), "open sesame".getBytes());
        List<String> variants = new ArrayList<>();
        variants.add(B64.encodeToString(good));
        for (int i : new int[] {0, 1, 2, 5, good.length - 17, good.length - 1}) {
            byte[] tampered = good.clone();
            tampered[i] ^= 0x01;
            variants.add(B64.encodeToString(tampered));
        }
        variants.add(B64.encodeToString(Arrays.copyOf(good, good.length - 1)));
        variants.add(B64.encodeToString(Arrays.copyOf(good, 3)));
        variants.add(B64.encodeToString(new byte[0]));

        List<String> outcomes = runForStrings("""
                const [baseB64, kid, frames] = arg;
                const meta = new TextEncoder().encode('m');
                const right = await s.createContext(s.DEFAULT_SUITE, BigInt(kid), d(baseB64));
                const out = [];
                for (const f of frames.slice(1)) {
                  out.push(await why(() => right.open(d(f), meta)));
                }
                const wrongKey = d(baseB64); wrongKey[0] ^= 1;
                const other = await s.createContext(s.DEFAULT_SUITE, BigInt(kid), wrongKey);
                out.push(await why(() => other.open(d(frames[0]), meta)));
                const otherKid = await s.createContext(s.DEFAULT_SUITE, BigInt(kid) + 1n, d(baseB64));
                out.push(await why(() => otherKid.open(d(frames[0]), meta)));
                out.push(await why(() => right.open(d(frames[0]), new TextEncoder().encode('n'))));
                const receiver = s.createReceiver();
                receiver.addKey(right);
                out.push(new TextDecoder().decode(await receiver.open(d(frames[0]), meta)));
                out.push(await why(() => receiver.open(d(frames[0]), meta)));
                return out;
                """, List.of(B64.encodeToString(baseKey), Long.toString(kid), variants));

        // The tampered and truncated variants fail in the browser exactly as they fail in Java.
        List<String> expected = new ArrayList<>();
        for (String variant : variants.subList(1, variants.size())) {
            try {
                context.open(B64D.decode(variant), "m".getBytes());
                expected.add("OPENED");
            } catch (SFrameException e) {
                expected.add(e.reason().name());
            }
        }
        assertThat(expected).doesNotContain("OPENED").contains("MALFORMED", "UNKNOWN_KEY", "AUTHENTICATION_FAILED");
        expected.addAll(List.of(
                "AUTHENTICATION_FAILED", // wrong key
                "UNKNOWN_KEY", // a context for another KID
                "AUTHENTICATION_FAILED", // wrong metadata
                "open sesame", // the untampered frame, through a receiver
                "REPLAYED")); // and again
        assertThat(outcomes).isEqualTo(expected);
        assertThat(phone.cspViolations()).isEmpty();
    }

    private static byte[] metadata(int size) {
        return ("frame " + size).getBytes();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
