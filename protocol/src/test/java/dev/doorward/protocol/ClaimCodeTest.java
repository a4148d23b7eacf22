package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClaimCodeTest {

    private static final String TICKET = "T1ck3t_SECRET-abcdefgh";
    private static final String CA = "cccccccccccccccccccccA-_0123456789abcdefghi";
    private static final String OWNER = "ooooooooooooooooooooooooooooooooooooooooooo";
    private static final URI HUB = URI.create("wss://hub.example.org:8444/link");

    private static String code(String ticket, String ca, String owner, String hub) {
        return "DOORWARD-CLAIM:1:" + ticket + ":" + ca + ":" + owner + ":" + hub;
    }

    @Test
    void formatAndParseRoundTrip() {
        ClaimCode claim = new ClaimCode(TICKET, CA, OWNER, HUB);
        assertThat(claim.format()).isEqualTo(code(TICKET, CA, OWNER, HUB.toString()));
        assertThat(ClaimCode.parse(claim.format())).isEqualTo(claim);
    }

    @Test
    void withoutAnOwnerKeyTheFingerprintIsADash() {
        ClaimCode claim = new ClaimCode(TICKET, CA, ClaimCode.NO_OWNER_KEY, HUB);
        assertThat(claim.format()).isEqualTo(code(TICKET, CA, "-", HUB.toString()));
        assertThat(ClaimCode.parse(claim.format())).isEqualTo(claim);
    }

    @ParameterizedTest
    @ValueSource(strings = {"wss://[::1]:8444/link", "wss://192.0.2.7/link", "wss://hub.example.org"})
    void hubUrlsWithColonsAndWithoutPortOrPathRoundTrip(String hub) {
        ClaimCode claim = new ClaimCode(TICKET, CA, OWNER, URI.create(hub));
        assertThat(ClaimCode.parse(claim.format())).isEqualTo(claim);
        assertThat(ClaimCode.parse(claim.format()).hubUrl()).hasToString(hub);
    }

    @Test
    void toStringKeepsTheTicketOut() {
        ClaimCode claim = ClaimCode.parse(code(TICKET, CA, OWNER, HUB.toString()));
        assertThat(claim.toString())
                .doesNotContain(TICKET)
                .doesNotContain("SECRET")
                .contains("REDACTED");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "DOORWARD-CLAIM:2:" + TICKET + ":" + CA + ":" + OWNER + ":wss://hub.example.org/link",
                "doorward-claim:1:" + TICKET + ":" + CA + ":" + OWNER + ":wss://hub.example.org/link",
                " DOORWARD-CLAIM:1:" + TICKET + ":" + CA + ":" + OWNER + ":wss://hub.example.org/link",
                "https://evil.example/DOORWARD-CLAIM:1:",
                "DOORWARD-CLAIM:1:",
                "DOORWARD-CLAIM:1:" + TICKET,
                "DOORWARD-CLAIM:1:" + TICKET + ":" + CA + ":" + OWNER,
            })
    void refusesTextThatIsNoClaimCode(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(text));
    }

    @Test
    void refusesNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(null));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "short",
                "T1ck3t_SECRET-abcdefg", // 21
                "T1ck3t_SECRET-abcdefghi", // 23
                "T1ck3t+SECRET/abcdefgh",
                "T1ck3t_SECRET-abcdefg=",
                "T1ck3t_SECRET-abcdefgé",
            })
    void refusesABadTicket(String ticket) {
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(code(ticket, CA, OWNER, HUB.toString())));
    }

    static Stream<String> badCaFingerprints() {
        return Stream.of(
                "", "-", "--", "abc", "c".repeat(42), "c".repeat(44), "c".repeat(42) + "=", "c".repeat(42) + "+");
    }

    static Stream<String> badOwnerFingerprints() {
        return Stream.of("", "--", "null", "o".repeat(42), "o".repeat(44), "o".repeat(42) + "/");
    }

    @ParameterizedTest
    @MethodSource("badCaFingerprints")
    void refusesABadCaFingerprint(String fingerprint) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClaimCode.parse(code(TICKET, fingerprint, OWNER, HUB.toString())));
    }

    @ParameterizedTest
    @MethodSource("badOwnerFingerprints")
    void refusesABadOwnerKeyFingerprint(String fingerprint) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClaimCode.parse(code(TICKET, CA, fingerprint, HUB.toString())));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://hub.example.org/link",
                "https://hub.example.org/link",
                "ws://hub.example.org/link",
                "WSS-but-not://hub.example.org/link",
                "wss:hub.example.org",
                "wss:///link",
                "wss://user:password@hub.example.org/link",
                "wss://attacker@hub.example.org/link",
                "wss://hub.example.org/link?next=evil",
                "wss://hub.example.org/link#frag",
                "wss://hub example.org/link",
                "wss://hub.example.org/link\n",
                "/link",
                "",
            })
    void refusesABadHubUrl(String hub) {
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(code(TICKET, CA, OWNER, hub)));
    }

    @Test
    void refusesOverLongText() {
        String base = code(TICKET, CA, OWNER, "wss://hub.example.org/");
        String atLimit = base + "a".repeat(ClaimCode.MAX_CHARS - base.length());
        assertThat(ClaimCode.parse(atLimit).format()).hasSize(ClaimCode.MAX_CHARS);
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(atLimit + "a"));
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimCode.parse(base + "a".repeat(1_000_000)));
    }

    @Test
    void theConstructorValidatesToo() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ClaimCode(null, CA, OWNER, HUB));
        assertThatIllegalArgumentException().isThrownBy(() -> new ClaimCode(TICKET, null, OWNER, HUB));
        assertThatIllegalArgumentException().isThrownBy(() -> new ClaimCode(TICKET, CA, null, HUB));
        assertThatIllegalArgumentException().isThrownBy(() -> new ClaimCode(TICKET, CA, OWNER, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ClaimCode(TICKET, CA, OWNER, URI.create("http://hub.example.org/")));
    }

    @Test
    void errorsNeverEchoTheTicket() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClaimCode.parse(code(TICKET, CA, OWNER, "http://hub.example.org/")))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TICKET));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClaimCode.parse(code(TICKET, CA, OWNER, "wss://bad url")))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TICKET));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClaimCode.parse(code(TICKET + "x", CA, OWNER, HUB.toString())))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TICKET));
    }
}
