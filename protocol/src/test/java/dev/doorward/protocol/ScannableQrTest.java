package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Every code drawn for the doorbell's camera is one its detector reads. */
class ScannableQrTest {
    /** A claim code whose preferred mask (5) the detector cannot read back, found by trying 3 000 random ones. */
    private static final String UNLUCKY =
            "DOORWARD-CLAIM:1:ukxtNxw4CdHQA9oUv2nRNw:elWjG6bIGcnqGlSlkcRZ33kHR0tpDyPKDqV0s31uBHQ"
                    + ":oEdGtZ4XON25ziMcgJZkzkwMrtl--cBqYAij5tSpCkQ:wss://localhost:50347/link";

    @Test
    void aCodeTheEncodersFavouriteMaskSpoilsIsDrawnWithAnotherMask() {
        var preferred = ScannableQr.encode(UNLUCKY, ScannableQr.SCREEN_SIZE, ScannableQr.SCREEN_MARGIN, -1);
        assertThat(ScannableQr.readsBack(preferred, UNLUCKY))
                .as("the encoder's own choice")
                .isFalse();

        var drawn = ScannableQr.forScreen(UNLUCKY);
        assertThat(ScannableQr.readsBack(drawn, UNLUCKY)).isTrue();
        assertThat(drawn.getWidth()).isEqualTo(ScannableQr.SCREEN_SIZE);
    }

    @Test
    void aCodeThatReadsBackAsDrawnIsLeftAsTheEncoderChoseIt() {
        String code = "DOORWARD-SETUP:1:DW-ABCDEFGHJKLM:1234567890";
        assertThat(ScannableQr.draw(code, 400, 2)).isEqualTo(ScannableQr.encode(code, 400, 2, -1));
    }

    @Test
    void aTextTooLongForAQrCodeIsRefused() {
        assertThatThrownBy(() -> ScannableQr.forScreen("x".repeat(3000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
    }
}
