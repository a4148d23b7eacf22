package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class MoveCodeTest {
    static final String ID = "AAAAAAAAAAAAAAAAAAAAAA";
    static final String FP = "B".repeat(43);

    @Test
    void roundTripsAndSignsWhatItCarries() {
        MoveCode code = new MoveCode(ID, FP, 1767225600000L, "c2ln", "a2V5", URI.create("wss://hub.example:8444/link"));
        assertThat(MoveCode.parse(code.format())).isEqualTo(code);
        assertThat(MoveCode.looksLikeOne(code.format())).isTrue();
        assertThat(code.statement())
                .isEqualTo("doorward-move:1:" + ID + ":" + FP + ":1767225600000:wss://hub.example:8444/link");
    }

    @Test
    void refusesMalformedCodes() {
        for (String bad : new String[] {
            null,
            "DOORWARD-CLAIM:1:x",
            "DOORWARD-MOVE:1:short:" + FP + ":1:c2ln:a2V5:wss://h/link",
            "DOORWARD-MOVE:1:" + ID + ":" + FP + ":notanumber:c2ln:a2V5:wss://h/link",
            "DOORWARD-MOVE:1:" + ID + ":" + FP + ":1:c2ln:a2V5:https://h/link",
            "DOORWARD-MOVE:1:" + ID + ":" + FP + ":1:c2ln:a2V5:wss://user@h/link",
            "DOORWARD-MOVE:1:" + ID + ":" + FP + ":1:c2ln",
            "DOORWARD-MOVE:1:" + "x".repeat(2000)
        }) {
            assertThatThrownBy(() -> MoveCode.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
