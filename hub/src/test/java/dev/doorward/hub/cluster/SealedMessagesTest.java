package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The envelope between nodes without sockets: what passes, what is dropped and why; the join secret file's rules. */
class SealedMessagesTest {
    private static final byte[] KEY =
            ClusterKeys.messageKey(JoinSecret.of("a join secret of at least thirty-two bytes".getBytes()));

    @TempDir
    Path dir;

    @Test
    void aMessageFromAnotherNodeOpensOnceWithinTheWindow() {
        MutableClock clock = MutableClock.startingNow();
        SealedMessages a = new SealedMessages(KEY, "a", clock);
        SealedMessages b = new SealedMessages(KEY, "b", clock);
        byte[] message = a.seal("notice", body());

        assertThat(b.open(message)).hasValueSatisfying(opened -> {
            assertThat(opened.node()).isEqualTo("a");
            assertThat(opened.kind()).isEqualTo("notice");
            assertThat(opened.body().path("household").asString()).isEqualTo("h");
        });
        assertThat(b.open(message)).isEmpty();
        assertThat(b.refused(SealedMessages.Refusal.REPLAYED)).isEqualTo(1);
        // Its own messages are ignored, not counted as refused.
        assertThat(a.open(message)).isEmpty();
        assertThat(a.refused()).isZero();
    }

    @Test
    void tamperedWronglyKeyedStaleAndMalformedMessagesAreDroppedAndCounted() {
        MutableClock clock = MutableClock.startingNow();
        SealedMessages a = new SealedMessages(KEY, "a", clock);
        SealedMessages b = new SealedMessages(KEY, "b", clock);

        byte[] tampered = a.seal("notice", body());
        tampered[tampered.length - 3] ^= 1;
        assertThat(b.open(tampered)).isEmpty();
        SealedMessages stranger = new SealedMessages(
                ClusterKeys.messageKey(JoinSecret.of("another join secret, also 32 bytes or more".getBytes())),
                "a",
                clock);
        assertThat(b.open(stranger.seal("notice", body()))).isEmpty();
        assertThat(b.refused(SealedMessages.Refusal.BAD_MAC)).isEqualTo(2);

        byte[] old = a.seal("notice", body());
        clock.advance(SealedMessages.WINDOW.plusSeconds(1));
        assertThat(b.open(old)).isEmpty();
        byte[] fromTheFuture = a.seal("notice", body());
        clock.advance(SealedMessages.WINDOW.plusSeconds(1).negated().multipliedBy(2));
        assertThat(b.open(fromTheFuture)).isEmpty();
        assertThat(b.refused(SealedMessages.Refusal.STALE)).isEqualTo(2);

        assertThat(b.open(new byte[10])).isEmpty();
        assertThat(b.open(a.sealRaw("not json".getBytes(StandardCharsets.US_ASCII))))
                .isEmpty();
        assertThat(b.open(a.sealRaw("{\"node\":\"a\",\"kind\":\"notice\"}".getBytes(StandardCharsets.US_ASCII))))
                .isEmpty();
        assertThat(b.refused(SealedMessages.Refusal.MALFORMED)).isEqualTo(3);
    }

    @Test
    void replaysOfIdsOlderThanTheWindowAreForgottenButStillRefusedAsStale() {
        MutableClock clock = MutableClock.startingNow();
        SealedMessages a = new SealedMessages(KEY, "a", clock);
        SealedMessages b = new SealedMessages(KEY, "b", clock);
        byte[] message = a.seal("notice", body());
        assertThat(b.open(message)).isPresent();
        clock.advance(SealedMessages.WINDOW.plus(Duration.ofSeconds(10)));
        assertThat(b.open(a.seal("notice", body()))).isPresent(); // prunes the first id
        assertThat(b.open(message)).isEmpty();
        assertThat(b.refused(SealedMessages.Refusal.STALE)).isEqualTo(1);
    }

    @Test
    void onlyAHubWithNatsServersIsAClusterNode() {
        assertThat(clustered(java.util.Map.of())).isFalse();
        assertThat(clustered(java.util.Map.of("doorward.cluster.nats-urls", "")))
                .isFalse();
        assertThat(clustered(java.util.Map.of("doorward.cluster.nats-urls", "nats://127.0.0.1:4222")))
                .isTrue();
        assertThat(clustered(java.util.Map.of("doorward.cluster.nats-urls[0]", "nats://127.0.0.1:4222")))
                .isTrue();
    }

    private static boolean clustered(java.util.Map<String, Object> properties) {
        var environment = new org.springframework.core.env.StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new org.springframework.core.env.MapPropertySource("test", properties));
        var context = new org.springframework.context.support.GenericApplicationContext();
        context.setEnvironment(environment);
        var conditionContext = new org.springframework.context.annotation.ConditionContext() {
            @Override
            public org.springframework.beans.factory.support.BeanDefinitionRegistry getRegistry() {
                return context;
            }

            @Override
            public org.springframework.beans.factory.config.ConfigurableListableBeanFactory getBeanFactory() {
                return context.getBeanFactory();
            }

            @Override
            public org.springframework.core.env.Environment getEnvironment() {
                return environment;
            }

            @Override
            public org.springframework.core.io.ResourceLoader getResourceLoader() {
                return context;
            }

            @Override
            public ClassLoader getClassLoader() {
                return SealedMessagesTest.class.getClassLoader();
            }
        };
        return new Clustered().matches(conditionContext, null);
    }

    private static ObjectNode body() {
        return JsonNodeFactory.instance.objectNode().put("household", "h");
    }
}
