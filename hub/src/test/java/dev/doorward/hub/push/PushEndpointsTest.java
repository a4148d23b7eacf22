package dev.doorward.hub.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SSRF guard on its own. Host names are resolved by a table standing in for DNS (the one thing here that
 * is outside the machine); address literals go through the JDK as in the hub.
 */
class PushEndpointsTest {
    private static final Map<String, List<String>> DNS = Map.of(
            "fcm.googleapis.com", List.of("142.250.185.10", "2a00:1450:4001:82b::200a"),
            "rebinding.example", List.of("93.184.216.34", "127.0.0.1"),
            "metadata.google.internal", List.of("169.254.169.254"),
            "router.example", List.of("192.168.1.1"),
            "push.home.example", List.of("10.1.2.3"));

    private final PushEndpoints guard = new PushEndpoints(List.of("push.home.example"), PushEndpointsTest::resolve);

    @Test
    void publicPushServicesPass() throws Exception {
        PushEndpoints.Checked checked = guard.check("https://fcm.googleapis.com/fcm/send/abc:def");
        assertThat(checked.host()).isEqualTo("fcm.googleapis.com");
        assertThat(checked.port()).isEqualTo(443);
        assertThat(checked.addresses()).extracting(InetAddress::getHostAddress).contains("142.250.185.10");
        assertThat(guard.check("https://93.184.216.34:8443/x").port()).isEqualTo(8443);
        assertThat(guard.check("https://[2a00:1450:4001:82b::200a]/x").addresses())
                .hasSize(1);
    }

    @Test
    void everyPrivateLocalOrReservedAddressIsRefusedByNameOrLiteral() {
        for (String endpoint : List.of(
                "https://127.0.0.1/x",
                "https://127.1.2.3/x",
                "https://[::1]/x",
                "https://[::]/x",
                "https://0.0.0.0/x",
                "https://10.0.0.1/x",
                "https://172.16.0.1/x",
                "https://172.31.255.255/x",
                "https://192.168.0.1/x",
                "https://100.64.0.1/x",
                "https://100.100.100.200/x",
                "https://169.254.169.254/x",
                "https://[fe80::1]/x",
                "https://[fc00::1]/x",
                "https://[fd00:ec2::254]/x",
                "https://[::ffff:10.0.0.1]/x",
                "https://[::ffff:169.254.169.254]/x",
                "https://[64:ff9b::a00:1]/x",
                "https://[2002:c0a8:101::1]/x",
                "https://224.0.0.1/x",
                "https://255.255.255.255/x",
                "https://192.0.2.1/x",
                "https://198.18.0.1/x",
                "https://[2001:db8::1]/x",
                "https://metadata.google.internal/computeMetadata/v1/",
                "https://router.example/x",
                "https://rebinding.example/x")) {
            assertThatThrownBy(() -> guard.check(endpoint)).as(endpoint).isInstanceOf(PushEndpoints.Refused.class);
        }
    }

    @Test
    void onlyHttpsUrlsWithAPlainHostAreAccepted() {
        for (String endpoint : List.of(
                "http://fcm.googleapis.com/x",
                "ws://fcm.googleapis.com/x",
                "file:///etc/passwd",
                "https://user@fcm.googleapis.com/x",
                "https://fcm.googleapis.com/x#frag",
                "https:///x",
                "https://fcm.googleapis.com:0/x",
                "not a url",
                "",
                "https://fcm.googleapis.com/" + "x".repeat(PushEndpoints.MAX_ENDPOINT_CHARS),
                "https://unknown.example/x")) {
            assertThatThrownBy(() -> guard.check(endpoint)).as(endpoint).isInstanceOf(PushEndpoints.Refused.class);
        }
        assertThatThrownBy(() -> guard.check(null)).isInstanceOf(PushEndpoints.Refused.class);
    }

    @Test
    void anAllowedHostMayBePrivateButOnlyByName() throws Exception {
        assertThat(guard.check("https://push.home.example/wpush/1").addresses())
                .extracting(InetAddress::getHostAddress)
                .containsExactly("10.1.2.3");
        assertThat(guard.check("https://PUSH.home.example/wpush/1").host()).isEqualTo("push.home.example");
        assertThatThrownBy(() -> guard.check("https://10.1.2.3/wpush/1")).isInstanceOf(PushEndpoints.Refused.class);
    }

    private static InetAddress[] resolve(String host) throws UnknownHostException {
        List<String> answer = DNS.get(host);
        if (answer == null) {
            if (host.matches("[0-9.]+") || host.contains(":")) {
                return InetAddress.getAllByName(host); // a literal: no DNS involved
            }
            throw new UnknownHostException(host);
        }
        InetAddress[] out = new InetAddress[answer.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = InetAddress.getByName(answer.get(i));
        }
        return out;
    }
}
