package dev.doorward.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code doorward.cluster.trusted-proxies}: addresses and CIDR ranges, never names; a bad entry is named. */
class TrustedProxiesTest {
    @Test
    void addressesAndRangesTrustExactlyWhatTheySay() throws Exception {
        TrustedProxies trusted = TrustedProxies.parse(List.of("10.0.0.5", "192.168.8.0/22", "fd00::/8"));
        assertThat(trusted.trusts(InetAddress.getByName("10.0.0.5"))).isTrue();
        assertThat(trusted.trusts(InetAddress.getByName("10.0.0.6"))).isFalse();
        assertThat(trusted.trusts(InetAddress.getByName("192.168.11.255"))).isTrue();
        assertThat(trusted.trusts(InetAddress.getByName("192.168.12.0"))).isFalse();
        assertThat(trusted.trusts(InetAddress.getByName("fd12::1"))).isTrue();
        assertThat(trusted.trusts(InetAddress.getByName("fe80::1"))).isFalse();
        assertThat(TrustedProxies.parse(List.of()).isEmpty()).isTrue();
        assertThat(TrustedProxies.NONE.trusts(InetAddress.getByName("127.0.0.1")))
                .isFalse();
    }

    @Test
    void namesAndMalformedEntriesFailWithTheEntryNamed() {
        for (String bad : List.of("haproxy.local", "10.0.0.0/33", "10.0.0.5/x", "", "300.1.1.1", "::1/129")) {
            assertThatThrownBy(() -> TrustedProxies.parse(List.of(bad)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("doorward.cluster.trusted-proxies")
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
