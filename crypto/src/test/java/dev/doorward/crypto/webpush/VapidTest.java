package dev.doorward.crypto.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.P256Points;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 8292 application server identification. */
class VapidTest {
    // RFC 8292 §2.4 / §3.1: the example token and key.
    static final String RFC_HEADER = "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBs"
            + "ZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLG"
            + "kMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA, k=BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK"
            + "5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";

    @Test
    void theRfcExampleVerifies() {
        Vapid.Token token = Vapid.verify(RFC_HEADER).orElseThrow();
        assertThat(token.audience()).isEqualTo("https://push.example.net");
        assertThat(token.expiresAt()).isEqualTo(Instant.ofEpochSecond(1453523768));
        assertThat(token.subject()).isEqualTo("mailto:push@example.com");
    }

    @Test
    void aForgedOrMangledExampleDoesNot() {
        String otherKey = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                        P256Points.encode(KeyPairs.newP256(new SecureRandom()).getPublic()));
        assertThat(Vapid.verify(RFC_HEADER.replaceAll("k=.*", "k=" + otherKey))).isEmpty();
        assertThat(Vapid.verify(RFC_HEADER.replace("i3CYb7t4", "i3CYb7t5"))).isEmpty();
        assertThat(Vapid.verify(RFC_HEADER.replace("vapid ", "WebPush "))).isEmpty();
        assertThat(Vapid.verify("vapid t=a.b, k=c")).isEmpty();
        assertThat(Vapid.verify(null)).isEmpty();
    }

    @Test
    void ourTokenNamesTheEndpointsOriginAndVerifies() {
        KeyPair key = KeyPairs.newP256(new SecureRandom());
        Instant exp = Instant.ofEpochSecond(1_800_000_000L);
        String header = Vapid.authorization(
                key, URI.create("https://Push.Example.net:443/wpush/abc?x=1"), "mailto:hub@doorward.invalid", exp);
        Vapid.Token token = Vapid.verify(header).orElseThrow();
        assertThat(token.audience()).isEqualTo("https://push.example.net");
        assertThat(token.expiresAt()).isEqualTo(exp);
        assertThat(token.subject()).isEqualTo("mailto:hub@doorward.invalid");
        assertThat(Base64.getUrlDecoder().decode(token.publicKey())).isEqualTo(P256Points.encode(key.getPublic()));
        String jwtHeader = new String(
                Base64.getUrlDecoder().decode(header.substring("vapid t=".length(), header.indexOf('.'))),
                StandardCharsets.UTF_8);
        assertThat(jwtHeader).isEqualTo("{\"typ\":\"JWT\",\"alg\":\"ES256\"}");

        assertThat(Vapid.origin(URI.create("https://push.example.net:8443/x")))
                .isEqualTo("https://push.example.net:8443");
        assertThatThrownBy(() -> Vapid.authorization(key, URI.create("https://p.example/"), "bob\"}", exp))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
