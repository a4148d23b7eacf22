package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-response CSP: the live port of the page's own host, and nothing a Host header could smuggle in. */
class ContentSecurityPolicyTest {
    @Test
    void namesTheLivePortOfThePagesOwnHost() {
        assertThat(SecurityConfig.contentSecurityPolicy("hub.example.org", 8445))
                .contains("connect-src 'self' wss://hub.example.org:8445;");
        assertThat(SecurityConfig.contentSecurityPolicy("[::1]", 8445))
                .contains("connect-src 'self' wss://[::1]:8445;");
        assertThat(SecurityConfig.contentSecurityPolicy("192.168.1.20", 8445))
                .contains("connect-src 'self' wss://192.168.1.20:8445;");
    }

    @Test
    void withoutALivePortOrWithAStrangeHostOnlyTheOwnOrigin() {
        assertThat(SecurityConfig.contentSecurityPolicy("hub.example.org", -1)).contains("connect-src 'self';");
        for (String host : List.of(
                "evil.example; script-src *", "hub.example.org wss://evil.example", "hub'", "", "a".repeat(300))) {
            String policy = SecurityConfig.contentSecurityPolicy(host, 8445);
            assertThat(policy).as(host).contains("connect-src 'self';").doesNotContain("evil");
            assertThat(policy).as(host).contains("script-src 'self';");
        }
        assertThat(SecurityConfig.contentSecurityPolicy(null, 8445)).contains("connect-src 'self';");
    }
}
