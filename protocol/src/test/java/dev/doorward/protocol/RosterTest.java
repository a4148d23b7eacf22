package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.doorward.protocol.Roster.Member;
import dev.doorward.protocol.Roster.Role;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The roster's canonical text, and everything a strict parser must refuse. No cryptography here. */
class RosterTest {

    private static final String HOUSEHOLD = "HouseHold_0123456789-a";
    private static final String OWNER_ID = "AAAAowner_____________";
    private static final String ADMIN_ID = "BBBBadmin_____________";
    private static final String GUEST_ID = "ggggguest_____________";
    private static final String FP_OWNER = "o".repeat(43);
    private static final String FP_ADMIN = "a".repeat(43);
    private static final String FP_GUEST = "g".repeat(43);
    private static final String PREVIOUS = "p".repeat(42) + "A";
    /** Stand-ins for SPKI bytes: the format does not look inside keys. 91 bytes, as a P-256 SPKI. */
    private static final String KEY_1 = b64(1);

    private static final String KEY_2 = b64(2);
    private static final String KEY_3 = b64(3);
    private static final String KEY_4 = b64(4);

    private static String b64(int seed) {
        byte[] bytes = new byte[91];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Member owner() {
        return new Member(OWNER_ID, Role.OWNER, FP_OWNER, KEY_1, KEY_2, null);
    }

    private static Member admin() {
        return new Member(ADMIN_ID, Role.ADMIN, FP_ADMIN, KEY_3, KEY_4, null);
    }

    private static Member guest() {
        return new Member(GUEST_ID, Role.GUEST, FP_GUEST, KEY_2, KEY_3, 1_767_225_600_000L);
    }

    private static Roster sample() {
        return new Roster(HOUSEHOLD, 2, PREVIOUS, 1_760_000_000_123L, List.of(owner(), admin(), guest()));
    }

    private static String sampleText() {
        return String.join(
                "\n",
                "doorward-roster:1",
                "household:" + HOUSEHOLD,
                "epoch:2",
                "previous:" + PREVIOUS,
                "issued:1760000000123",
                "client:" + OWNER_ID + ":owner:" + FP_OWNER + ":" + KEY_1 + ":" + KEY_2 + ":-",
                "client:" + ADMIN_ID + ":admin:" + FP_ADMIN + ":" + KEY_3 + ":" + KEY_4 + ":-",
                "client:" + GUEST_ID + ":guest:" + FP_GUEST + ":" + KEY_2 + ":" + KEY_3 + ":1767225600000");
    }

    @Test
    void canonicalTextIsExact() {
        assertThat(sample().text()).isEqualTo(sampleText());
        // A literal golden value, so a change to the format cannot go unnoticed (the browser must match it).
        Roster small = new Roster(
                "hhhhhhhhhhhhhhhhhhhhhh",
                1,
                "-",
                5,
                List.of(new Member("cccccccccccccccccccccc", Role.OWNER, FP_OWNER, "AAAA", "AQID", null)));
        assertThat(small.text())
                .isEqualTo(
                        "doorward-roster:1\nhousehold:hhhhhhhhhhhhhhhhhhhhhh\nepoch:1\nprevious:-\nissued:5\n"
                                + "client:cccccccccccccccccccccc:owner:ooooooooooooooooooooooooooooooooooooooooooo:AAAA:AQID:-");
        assertThat(small.text()).doesNotEndWith("\n");
    }

    @Test
    void roundTrips() {
        Roster roster = sample();
        assertThat(Roster.parse(roster.text())).isEqualTo(roster);
        assertThat(Roster.parse(sampleText()).text()).isEqualTo(sampleText());
        assertThat(roster.owner()).isEqualTo(owner());
        assertThat(roster.member(GUEST_ID)).contains(guest());
        assertThat(roster.memberWithFingerprint(FP_ADMIN)).contains(admin());
        assertThat(Role.fromWire("resident")).isEqualTo(Role.RESIDENT);
    }

    @Test
    void sixtyFourMembersRoundTripWhenTheyFit() {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < Roster.MAX_MEMBERS; i++) {
            String id = String.format("client%016d", i);
            String fp = String.format("%043d", i);
            members.add(new Member(id, i == 0 ? Role.OWNER : Role.RESIDENT, fp, "AAAA", "AAAA", null));
        }
        Roster roster = new Roster(HOUSEHOLD, 1, "-", 0, members);
        assertThat(Roster.parse(roster.text())).isEqualTo(roster);
    }

    @Test
    void toStringCarriesNoKeys() {
        assertThat(sample().toString()).doesNotContain(KEY_1, KEY_2, KEY_3);
        assertThat(owner().toString()).doesNotContain(KEY_1, KEY_2);
    }

    static Stream<String> malformed() {
        String good = sampleText();
        String[] lines = good.split("\n");
        String ownerLine = lines[5];
        String adminLine = lines[6];
        String guestLine = lines[7];
        String header = String.join("\n", lines[0], lines[1], lines[2], lines[3], lines[4]);
        List<String> cases = new ArrayList<>(List.of(
                // wrong header
                good.replace("doorward-roster:1", "doorward-roster:2"),
                good.replace("doorward-roster:1", "DOORWARD-ROSTER:1"),
                good.replace("doorward-roster:1\n", ""),
                // wrong line order
                String.join("\n", lines[0], lines[2], lines[1], lines[3], lines[4], ownerLine, adminLine, guestLine),
                String.join("\n", lines[0], lines[1], lines[2], lines[4], lines[3], ownerLine, adminLine, guestLine),
                String.join("\n", lines[0], lines[1], lines[2], lines[3], ownerLine, lines[4], adminLine, guestLine),
                // unknown or extra lines, stray whitespace, trailing newline, CRLF
                header + "\nnote:hello\n" + ownerLine,
                good + "\nsignature:xyz",
                good + "\n",
                good + "\n\n",
                "\n" + good,
                good.replace("\n", "\r\n"),
                good.replace("epoch:2", "epoch: 2"),
                good + " ",
                // no members
                header,
                header + "\n",
                // bad ids
                good.replace("household:" + HOUSEHOLD, "household:short"),
                good.replace("household:" + HOUSEHOLD, "household:" + HOUSEHOLD + "x"),
                good.replace("household:" + HOUSEHOLD, "household:HouseHold+0123456789/a"),
                good.replace(GUEST_ID, "ggggguest____________é"),
                good.replace(GUEST_ID, "ggggguest__________"),
                // unsorted or duplicate clients
                String.join("\n", header, adminLine, ownerLine, guestLine),
                String.join("\n", header, ownerLine, guestLine, adminLine),
                String.join("\n", header, ownerLine, adminLine, adminLine, guestLine),
                String.join("\n", header, ownerLine, adminLine, guestLine.replace(GUEST_ID, ADMIN_ID)),
                // bad roles; no owner, two owners, an expiring owner
                good.replace(":guest:", ":Guest:"),
                good.replace(":guest:", ":superuser:"),
                good.replace(":guest:", "::"),
                good.replace(":owner:", ":admin:"),
                good.replace(":admin:", ":owner:"),
                good.replace(
                        ":owner:" + FP_OWNER + ":" + KEY_1 + ":" + KEY_2 + ":-",
                        ":owner:" + FP_OWNER + ":" + KEY_1 + ":" + KEY_2 + ":99"),
                // bad fingerprints and keys
                good.replace(FP_ADMIN, FP_ADMIN.substring(1)),
                good.replace(FP_ADMIN, FP_ADMIN + "a"),
                good.replace(FP_ADMIN, "a".repeat(42) + "="),
                good.replace(FP_GUEST, FP_ADMIN),
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", ":" + KEY_3 + "=:" + KEY_4 + ":"),
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", "::" + KEY_4 + ":"),
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", ":" + KEY_3 + ":" + "A".repeat(204) + ":"),
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", ":" + KEY_3 + ":AAAAA:"),
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", ":" + KEY_3 + ":AB:"), // non-canonical last bits
                good.replace(":" + KEY_3 + ":" + KEY_4 + ":", ":" + KEY_3 + ":a+b/:"),
                // client line field count
                good.replace(":1767225600000", ""),
                good.replace(":1767225600000", ":1767225600000:x"),
                // non-numeric or non-canonical numbers
                good.replace("epoch:2", "epoch:two"),
                good.replace("epoch:2", "epoch:02"),
                good.replace("epoch:2", "epoch:+2"),
                good.replace("epoch:2", "epoch:-2"),
                good.replace("epoch:2", "epoch:0"),
                good.replace("epoch:2", "epoch:"),
                good.replace("epoch:2", "epoch:99999999999999999999"),
                good.replace("epoch:2", "epoch:9223372036854775808"),
                good.replace("issued:1760000000123", "issued:soon"),
                good.replace("issued:1760000000123", "issued:1.7e12"),
                good.replace("issued:1760000000123", "issued:-1"),
                good.replace("issued:1760000000123", "issued:"),
                good.replace(":1767225600000", ":never"),
                good.replace(":1767225600000", ":-5"),
                // previous hash: must be 43 chars after epoch 1, and "-" exactly at epoch 1
                good.replace("previous:" + PREVIOUS, "previous:-"),
                good.replace("previous:" + PREVIOUS, "previous:" + PREVIOUS.substring(1)),
                good.replace("epoch:2", "epoch:1"),
                // empty and nonsense
                "",
                "doorward-roster:1",
                "\n\n\n\n\n"));
        // over 64 clients (small fields, so only the count is wrong)
        StringBuilder many =
                new StringBuilder("doorward-roster:1\nhousehold:" + HOUSEHOLD + "\nepoch:1\nprevious:-" + "\nissued:0");
        for (int i = 0; i < Roster.MAX_MEMBERS + 1; i++) {
            many.append("\nclient:")
                    .append(String.format("client%016d", i))
                    .append(i == 0 ? ":owner:" : ":guest:")
                    .append(String.format("%043d", i))
                    .append(":AAAA:AAAA:-");
        }
        cases.add(many.toString());
        // over-long text, also when each line is fine
        cases.add(good + "x".repeat(Roster.MAX_TEXT_CHARS));
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void refusesMalformedText(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Roster.parse(text));
    }

    @Test
    void refusesNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> Roster.parse(null));
    }

    @Test
    void refusesARosterLongerThanTheLimitEvenWithValidLines() {
        // 64 members with maximum-length keys: every line is valid, the whole is over the size bound.
        String key = "A".repeat(Roster.MAX_KEY_CHARS);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < Roster.MAX_MEMBERS; i++) {
            members.add(new Member(
                    String.format("client%016d", i),
                    i == 0 ? Role.OWNER : Role.GUEST,
                    String.format("%043d", i),
                    key,
                    key,
                    null));
        }
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Roster(HOUSEHOLD, 1, "-", 0, members))
                .withMessageContaining("too long");
        StringBuilder text =
                new StringBuilder("doorward-roster:1\nhousehold:" + HOUSEHOLD + "\nepoch:1\nprevious:-\nissued:0");
        for (Member member : members) {
            text.append('\n').append(member.line());
        }
        assertThat(text.length()).isGreaterThan(Roster.MAX_TEXT_CHARS);
        assertThatIllegalArgumentException().isThrownBy(() -> Roster.parse(text.toString()));
    }

    @Test
    void errorMessagesNeverEchoKeyMaterial() {
        String secretLooking = "SECRETKEYMATERIAL" + "A".repeat(27);
        String text = sampleText().replace(KEY_4, secretLooking + "=");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Roster.parse(text))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRETKEYMATERIAL"));
        String badRole = sampleText().replace(":guest:", ":SECRETROLE:");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Roster.parse(badRole))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRETROLE"));
    }
}
