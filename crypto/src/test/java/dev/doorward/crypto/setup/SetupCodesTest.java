package dev.doorward.crypto.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class SetupCodesTest {

    @Test
    void generatedCodesAreTenUniformDigitsAndNeverTrivial() {
        SecureRandom random = new SecureRandom();
        int[][] counts = new int[10][10];
        int samples = 5000;
        for (int i = 0; i < samples; i++) {
            String code = SetupCodes.generate(random);
            assertThat(code).matches("[0-9]{10}");
            assertThat(SetupCodes.isTrivial(code)).isFalse();
            for (int position = 0; position < 10; position++) {
                counts[position][code.charAt(position) - '0']++;
            }
        }
        // Each digit at each position is expected 500 times; a biased generator would stray far.
        for (int[] position : counts) {
            for (int count : position) {
                assertThat(count).isBetween(380, 620);
            }
        }
    }

    @Test
    void generationRedrawsTrivialCodes() {
        // A "random" source that first yields all zeros, then real randomness.
        SecureRandom zerosFirst = new SecureRandom() {
            private boolean first = true;

            @Override
            public void nextBytes(byte[] bytes) {
                if (first) {
                    first = false;
                    java.util.Arrays.fill(bytes, (byte) 0);
                } else {
                    super.nextBytes(bytes);
                }
            }
        };
        assertThat(SetupCodes.isTrivial(SetupCodes.generate(zerosFirst))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0000000000",
                "9999999999", // one digit
                "1234567890",
                "0123456789",
                "9876543210",
                "3456789012",
                "0987654321", // runs modulo 10
                "1357913579",
                "0369258147", // any constant step
                "1212121212",
                "1231231231",
                "1234512345",
                "9090909090",
                "1234123412", // period <= 5
                "1111122222",
                "1122112211",
                "1110001110",
                "1231231232" // fewer than 4 distinct digits
            })
    void trivialCodesAreRecognised(String code) {
        assertThat(SetupCodes.isTrivial(code)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8203945716", "5082719364", "1234567809", "1231231234", "4815162342"})
    void ordinaryCodesAreNotTrivial(String code) {
        assertThat(SetupCodes.isTrivial(code)).isFalse();
    }

    @Test
    void isTrivialRejectsNonDigits() {
        assertThatThrownBy(() -> SetupCodes.isTrivial("12345abcde"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("12345abcde");
    }

    @Test
    void normalizeAcceptsWhatPeopleType() {
        assertThat(SetupCodes.normalize("12345-67890")).isEqualTo("1234567890");
        assertThat(SetupCodes.normalize(" 12345 67890 ")).isEqualTo("1234567890");
        assertThat(SetupCodes.normalize("123-456-7890")).isEqualTo("1234567890");
        assertThat(SetupCodes.normalize("12345\u201367890")).isEqualTo("1234567890");
        assertThat(SetupCodes.normalize("8203945716")).isEqualTo("8203945716");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(
            strings = {
                "",
                "123456789",
                "12345678901",
                "12345a7890",
                "12345_67890",
                "1234567890x",
                "８２０３９４５７１６",
                "٨٢٠٣٩٤٥٧١٦",
                "12345+67890",
                "-----"
            })
    void normalizeRefusesAnythingElseWithoutEchoingIt(String input) {
        assertThatThrownBy(() -> SetupCodes.normalize(input))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A setup code has 10 digits");
    }

    @Test
    void formatSplitsTheCodeForTheLabel() {
        assertThat(SetupCodes.format("8203945716")).isEqualTo("82039-45716");
        assertThat(SetupCodes.normalize(SetupCodes.format("8203945716"))).isEqualTo("8203945716");
        assertThatThrownBy(() -> SetupCodes.format("82039-45716"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A setup code has 10 digits");
    }
}
