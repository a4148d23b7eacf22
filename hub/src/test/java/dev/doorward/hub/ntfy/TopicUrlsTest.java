package dev.doorward.hub.ntfy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which resolved addresses a topic post may go to: the public internet only. */
class TopicUrlsTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "10.1.2.3",
                "172.16.0.1",
                "192.168.1.1",
                "169.254.169.254",
                "100.64.0.1",
                "0.0.0.0",
                "224.0.0.1",
                "255.255.255.255",
                "198.18.0.1",
                "::1",
                "::",
                "fe80::1",
                "fc00::1",
                "fd12::1",
                "::ffff:127.0.0.1",
                "::ffff:10.0.0.1"
            })
    void privateLocalAndSpecialAddressesAreRefused(String address) throws Exception {
        assertThat(TopicUrls.isPublic(InetAddress.getByName(address))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "159.69.0.1", "2a01:4f8::1", "2606:4700::1111"})
    void publicAddressesAreAllowed(String address) throws Exception {
        assertThat(TopicUrls.isPublic(InetAddress.getByName(address))).isTrue();
    }
}
