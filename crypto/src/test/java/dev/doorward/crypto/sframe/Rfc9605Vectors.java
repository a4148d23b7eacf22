package dev.doorward.crypto.sframe;

import java.util.List;

/**
 * Test vectors of RFC 9605 Appendix C, copied from the RFC text (as stored in the sframe-wg/sframe
 * repository, auth48-v4/draft-ietf-sframe-enc.txt, the version published as RFC 9605; the C.3 AES-GCM
 * ciphertexts were cross-checked against other public implementations' tests). Appendix C.2 (AES-CTR +
 * HMAC) and the C.3 cases for suites 0x0001–0x0003 are left out: Doorward implements only the GCM suites.
 * The same values are in the browser test (e2e SFrameInteropTest).
 */
final class Rfc9605Vectors {
    private Rfc9605Vectors() {}

    /** One C.1 case: KID and CTR (unsigned) and the encoded header. */
    record HeaderVector(long kid, long ctr, String header) {}

    /** One C.3 case. */
    record SFrameVector(
            int cipherSuite,
            long kid,
            long ctr,
            String baseKey,
            String sframeKeyLabel,
            String sframeSaltLabel,
            String sframeSecret,
            String sframeKey,
            String sframeSalt,
            String metadata,
            String nonce,
            String aad,
            String pt,
            String ct) {}

    private static HeaderVector h(String kid, String ctr, String header) {
        return new HeaderVector(Long.parseUnsignedLong(kid, 16), Long.parseUnsignedLong(ctr, 16), header);
    }

    /**
     * C.1, a selection of the 289 cases (17 KID values × 17 CTR values): the whole row for KID 0, then cases
     * of every KID length, the short/long boundaries and the 8-byte extremes. Numbers are hex, as in the RFC.
     */
    static final List<HeaderVector> HEADERS = List.of(
            h("0", "0", "00"),
            h("0", "1", "01"),
            h("0", "ff", "08ff"),
            h("0", "100", "090100"),
            h("0", "ffff", "09ffff"),
            h("0", "10000", "0a010000"),
            h("0", "ffffff", "0affffff"),
            h("0", "1000000", "0b01000000"),
            h("0", "ffffffff", "0bffffffff"),
            h("0", "100000000", "0c0100000000"),
            h("0", "ffffffffff", "0cffffffffff"),
            h("0", "10000000000", "0d010000000000"),
            h("0", "ffffffffffff", "0dffffffffffff"),
            h("0", "1000000000000", "0e01000000000000"),
            h("0", "ffffffffffffff", "0effffffffffffff"),
            h("0", "100000000000000", "0f0100000000000000"),
            h("0", "ffffffffffffffff", "0fffffffffffffffff"),
            h("1", "0", "10"),
            h("1", "1", "11"),
            h("1", "ff", "18ff"),
            h("1", "100", "190100"),
            h("1", "ffffffffffffffff", "1fffffffffffffffff"),
            h("ff", "0", "80ff"),
            h("ff", "1", "81ff"),
            h("ff", "ff", "88ffff"),
            h("ff", "100", "89ff0100"),
            h("ff", "ffffffffffffffff", "8fffffffffffffffffff"),
            h("100", "0", "900100"),
            h("100", "1", "910100"),
            h("100", "ff", "980100ff"),
            h("100", "100", "9901000100"),
            h("100", "ffffffffffffffff", "9f0100ffffffffffffffff"),
            h("ffff", "0", "90ffff"),
            h("ffff", "10000", "9affff010000"),
            h("10000", "0", "a0010000"),
            h("10000", "ff", "a8010000ff"),
            h("10000", "100000000000000", "af0100000100000000000000"),
            h("ffffff", "1", "a1ffffff"),
            h("ffffff", "ffffffff", "abffffffffffffff"),
            h("1000000", "0", "b001000000"),
            h("1000000", "1000000", "bb0100000001000000"),
            h("1000000", "ffffffffffffffff", "bf01000000ffffffffffffffff"),
            h("ffffffff", "100", "b9ffffffff0100"),
            h("100000000", "0", "c00100000000"),
            h("100000000", "10000000000", "cd0100000000010000000000"),
            h("ffffffffff", "ff", "c8ffffffffffff"),
            h("ffffffffff", "ffffffffffffffff", "cfffffffffffffffffffffffffff"),
            h("10000000000", "1", "d1010000000000"),
            h("10000000000", "100000000", "dc0100000000000100000000"),
            h("ffffffffffff", "0", "d0ffffffffffff"),
            h("ffffffffffff", "1000000", "dbffffffffffff01000000"),
            h("1000000000000", "0", "e001000000000000"),
            h("1000000000000", "ffffffffffffff", "ee01000000000000ffffffffffffff"),
            h("ffffffffffffff", "100", "e9ffffffffffffff0100"),
            h("ffffffffffffff", "ffffffffffffffff", "efffffffffffffffffffffffffffffff"),
            h("100000000000000", "0", "f00100000000000000"),
            h("100000000000000", "ff", "f80100000000000000ff"),
            h("100000000000000", "100000000000000", "ff01000000000000000100000000000000"),
            h("ffffffffffffffff", "0", "f0ffffffffffffffff"),
            h("ffffffffffffffff", "1", "f1ffffffffffffffff"),
            h("ffffffffffffffff", "ff", "f8ffffffffffffffffff"),
            h("ffffffffffffffff", "10000", "faffffffffffffffff010000"),
            h("ffffffffffffffff", "ffffffffffffffff", "ffffffffffffffffffffffffffffffffff"));

    /** C.3, the AES-GCM cases (cipher suites 0x0004 and 0x0005). */
    static final List<SFrameVector> SFRAMES = List.of(
            new SFrameVector(
                    0x0004,
                    0x0123,
                    0x4567,
                    "000102030405060708090a0b0c0d0e0f",
                    "534672616d6520312e3020536563726574206b65792000000000000001230004",
                    "534672616d6520312e30205365637265742073616c742000000000000001230004",
                    "d926952ca8b7ec4a95941d1ada3a5203ceff8cceee34f574d23909eb314c40c0",
                    "d34f547f4ca4f9a7447006fe7fcbf768",
                    "75234edefe07819026751816",
                    "4945544620534672616d65205747",
                    "75234edefe07819026755d71",
                    "99012345674945544620534672616d65205747",
                    "64726166742d696574662d736672616d652d656e63",
                    "9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb"),
            new SFrameVector(
                    0x0005,
                    0x0123,
                    0x4567,
                    "000102030405060708090a0b0c0d0e0f",
                    "534672616d6520312e3020536563726574206b65792000000000000001230005",
                    "534672616d6520312e30205365637265742073616c742000000000000001230005",
                    "0fc3ea6de6aac97a35f194cf9bed94d4b5230f1cb45a785c9fe5dce9c188938a"
                            + "b6ba005bc4c0a19181599e9d1bcf7b74aca48b60bf5e254e546d809313e083a3",
                    "d3e27b0d4a5ae9e55df01a70e6d4d28d969b246e2936f4b7a5d9b494da6b9633",
                    "84991c167b8cd23c93708ec7",
                    "4945544620534672616d65205747",
                    "84991c167b8cd23c9370cba0",
                    "99012345674945544620534672616d65205747",
                    "64726166742d696574662d736672616d652d656e63",
                    "990123456794f509d36e9beacb0e261d99c7d1e972f1fed787d4049f17ca21353c1cc24d56ceabced279"));
}
