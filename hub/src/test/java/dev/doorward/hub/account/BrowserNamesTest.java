package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A browser's default name from its User-Agent: browser and platform, never a version. */
class BrowserNamesTest {
    @Test
    void commonBrowsersAreNamedByBrowserAndPlatform() {
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"))
                .isEqualTo("Firefox on Android");
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like"
                        + " Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"))
                .isEqualTo("Chrome on Android");
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"
                        + " AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"))
                .isEqualTo("Safari on iPhone");
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML,"
                        + " like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"))
                .isEqualTo("Edge on Windows");
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"
                        + " (KHTML, like Gecko) Version/18.1 Safari/605.1.15"))
                .isEqualTo("Safari on Mac");
        assertThat(BrowserNames.fromUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                        + " HeadlessChrome/131.0.0.0 Safari/537.36"))
                .isEqualTo("Chrome on Linux");
    }

    @Test
    void unknownOrMissingUserAgentsAreJustBrowser() {
        assertThat(BrowserNames.fromUserAgent(null)).isEqualTo("Browser");
        assertThat(BrowserNames.fromUserAgent("")).isEqualTo("Browser");
        assertThat(BrowserNames.fromUserAgent("Java-http-client/25")).isEqualTo("Browser");
        assertThat(BrowserNames.fromUserAgent("curl/8.5.0 (Linux)")).isEqualTo("Browser on Linux");
    }

    @Test
    void aChosenNameIsShortAndPrintable() {
        assertThat(BrowserNames.acceptable("Kitchen tablet")).isTrue();
        assertThat(BrowserNames.acceptable(" ")).isFalse();
        assertThat(BrowserNames.acceptable("x".repeat(65))).isFalse();
        assertThat(BrowserNames.acceptable("bad\nname")).isFalse();
        assertThat(BrowserNames.acceptable(null)).isFalse();
    }
}
