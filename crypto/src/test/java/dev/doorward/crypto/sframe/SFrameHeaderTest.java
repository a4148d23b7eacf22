package dev.doorward.crypto.sframe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.doorward.crypto.sframe.Rfc9605Vectors.HeaderVector;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SFrameHeaderTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void encodesAndDecodesTheRfc9605HeaderVectors() {
        assertThat(Rfc9605Vectors.HEADERS).hasSizeGreaterThan(60);
        for (HeaderVector v : Rfc9605Vectors.HEADERS) {
            SFrameHeader header = SFrameHeader.of(v.kid(), v.ctr());
            assertThat(HEX.formatHex(header.encode())).as(header.toString()).isEqualTo(v.header());
            assertThat(header.encodedLength()).isEqualTo(v.header().length() / 2);
            SFrameHeader decoded = SFrameHeader.decodeExact(HEX.parseHex(v.header()));
            assertThat(decoded.kid()).as(v.header()).isEqualTo(v.kid());
            assertThat(decoded.counter()).as(v.header()).isEqualTo(v.ctr());
        }
    }

    @Test
    void everyShortFormAndBoundaryRoundTrips() {
        long[] values = {0, 1, 7, 8, 0xff, 0x100, 0xffff, 0x10000, Long.MAX_VALUE, Long.MIN_VALUE, -1L};
        for (long kid : values) {
            for (long ctr : values) {
                SFrameHeader header = SFrameHeader.of(kid, ctr);
                byte[] encoded = header.encode();
                assertThat(SFrameHeader.decodeExact(encoded)).isEqualTo(header);
                assertThat(encoded.length).isBetween(1, SFrameHeader.MAX_LENGTH);
            }
        }
        assertThat(SFrameHeader.of(7, 7).encode()).containsExactly(0x77);
        assertThat(SFrameHeader.of(8, 8).encode()).containsExactly(0x88, 0x08, 0x08);
    }

    @Test
    void randomValuesRoundTripWithTrailingData() {
        Random random = new Random(9605);
        for (int i = 0; i < 10_000; i++) {
            long kid = random.nextLong() >>> random.nextInt(64);
            long ctr = random.nextLong() >>> random.nextInt(64);
            byte[] encoded = SFrameHeader.of(kid, ctr).encode();
            byte[] withPayload = Arrays.copyOf(encoded, encoded.length + random.nextInt(40));
            SFrameHeader decoded = SFrameHeader.decode(withPayload);
            assertThat(decoded.kid()).isEqualTo(kid);
            assertThat(decoded.counter()).isEqualTo(ctr);
            assertThat(decoded.encodedLength()).isEqualTo(encoded.length);
        }
    }

    @Test
    void truncatedHeadersAreRefused() {
        assertThatThrownBy(() -> SFrameHeader.decode(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> SFrameHeader.decode(null)).isInstanceOf(IllegalArgumentException.class);
        for (HeaderVector v : Rfc9605Vectors.HEADERS) {
            byte[] full = HEX.parseHex(v.header());
            for (int length = 0; length < full.length; length++) {
                byte[] cut = Arrays.copyOf(full, length);
                assertThatThrownBy(() -> SFrameHeader.decode(cut))
                        .as(HEX.formatHex(cut))
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void oversizedExactHeadersAreRefused() {
        assertThatThrownBy(() -> SFrameHeader.decodeExact(HEX.parseHex("0000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unexpected");
        assertThatThrownBy(() -> SFrameHeader.decodeExact(HEX.parseHex("9901234567ff")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonMinimalEncodingsAreRefused() {
        for (String header : new String[] {
            "8007", // KID 7 in the long form
            "0807", // CTR 7 in the long form
            "900001", // KID 1 in two bytes
            "09007f", // CTR 0x7f in two bytes
            "0f00ffffffffffffff", // CTR with a leading zero byte
            "f000ffffffffffffff", // KID with a leading zero byte
        }) {
            assertThatThrownBy(() -> SFrameHeader.decode(HEX.parseHex(header)))
                    .as(header)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("minimally");
        }
    }

    @Test
    void fuzzedInputOnlyEverFailsWithIllegalArgumentException() {
        Random random = new Random(0x5F4A);
        int parsed = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] data = new byte[random.nextInt(20)];
            random.nextBytes(data);
            if (i % 4 == 0 && data.length > 1) {
                // Bias towards plausible headers: few leading zero bytes after the config byte.
                data[1] |= 1;
            }
            try {
                SFrameHeader header = SFrameHeader.decode(data);
                parsed++;
                assertThat(header.encodedLength()).isLessThanOrEqualTo(data.length);
                // A header that parses re-encodes to exactly the bytes it was read from.
                assertThat(header.encode()).isEqualTo(Arrays.copyOf(data, header.encodedLength()));
            } catch (IllegalArgumentException expected) {
                // the declared failure
            } catch (RuntimeException | Error e) {
                fail("decode(" + HEX.formatHex(data) + ") threw " + e);
            }
        }
        assertThat(parsed).isGreaterThan(10_000);
    }

    @Test
    void everyConfigByteWithEveryLengthIsHandled() {
        for (int config = 0; config < 256; config++) {
            for (int length = 1; length <= SFrameHeader.MAX_LENGTH + 1; length++) {
                byte[] data = new byte[length];
                Arrays.fill(data, (byte) 0x80);
                data[0] = (byte) config;
                try {
                    SFrameHeader header = SFrameHeader.decode(data);
                    assertThat(header.encode()).isEqualTo(Arrays.copyOf(data, header.encodedLength()));
                } catch (IllegalArgumentException expected) {
                    // truncated
                }
            }
        }
    }
}
