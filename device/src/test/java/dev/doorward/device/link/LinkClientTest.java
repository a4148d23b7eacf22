package dev.doorward.device.link;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.FromHub;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.HeartbeatAck;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.ProtocolException;
import dev.doorward.protocol.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LinkClientTest {
    private static final URI HUB = URI.create("wss://127.0.0.1:9/device");
    private final String deviceId = RandomIds.newId();
    private final FakeTransport transport = new FakeTransport();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock();
    private final List<Welcome> welcomes = new CopyOnWriteArrayList<>();
    private final List<FromHub> received = new CopyOnWriteArrayList<>();
    private final List<LinkState> states = new CopyOnWriteArrayList<>();
    private final LinkClient link = new LinkClient(
            HUB,
            deviceId,
            transport,
            executor,
            new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), new Random(1)),
            clock,
            Optional.of(Duration.ofHours(1)), // heartbeats are driven by hand below
            new LinkClient.Handler() {
                @Override
                public void connected(Welcome welcome) {
                    welcomes.add(welcome);
                }

                @Override
                public void received(FromHub message) {
                    received.add(message);
                }
            },
            states::add);

    @AfterEach
    void stop() {
        link.close();
        executor.shutdownNow();
    }

    private static LinkMessage decode(String text) {
        try {
            return LinkCodec.decode(text);
        } catch (ProtocolException e) {
            throw new AssertionError(e);
        }
    }

    private FakeTransport.FakeConnection connectAndWelcome() {
        link.start();
        eventually(() ->
                transport.connections.size() == 1 && !transport.last().sent.isEmpty());
        FakeTransport.FakeConnection connection = transport.last();
        connection.hub(LinkCodec.encode(new Welcome(1, deviceId, 30)));
        eventually(() -> link.state() == LinkState.CONNECTED);
        return connection;
    }

    private List<LinkMessage> sent(FakeTransport.FakeConnection connection) {
        return connection.sent.stream().map(LinkClientTest::decode).toList();
    }

    @Test
    void saysHelloAndIsConnectedOnceWelcomed() {
        FakeTransport.FakeConnection connection = connectAndWelcome();

        Hello hello = (Hello) sent(connection).get(0);
        assertThat(hello.mode()).isEqualTo(LinkMessage.Mode.NORMAL);
        assertThat(hello.versions()).containsExactly(1);
        assertThat(hello.agent()).isEqualTo("doorward-device/0.1");
        assertThat(transport.attempts).containsExactly(HUB);
        assertThat(welcomes).hasSize(1);
        assertThat(states).containsExactly(LinkState.CONNECTING, LinkState.CONNECTED);
    }

    @Test
    void aWelcomeForAnotherDeviceIsNotAccepted() {
        link.start();
        eventually(() ->
                transport.connections.size() == 1 && !transport.last().sent.isEmpty());

        transport.last().hub(LinkCodec.encode(new Welcome(1, RandomIds.newId(), 30)));

        eventually(() -> transport.connections.size() >= 2);
        assertThat(welcomes).isEmpty();
        assertThat(transport.connections.get(0).isOpen()).isFalse();
    }

    @Test
    void messagesBeforeTheWelcomeDropTheConnection() {
        link.start();
        eventually(() ->
                transport.connections.size() == 1 && !transport.last().sent.isEmpty());

        transport.last().hub(LinkCodec.encode(new EventAck(RandomIds.newId())));

        eventually(() -> !transport.connections.get(0).isOpen());
        assertThat(received).isEmpty();
    }

    @Test
    void aBadMessageIsAnsweredWithAnErrorAndTheLinkStaysUp() {
        FakeTransport.FakeConnection connection = connectAndWelcome();

        connection.hub("{\"v\":1,\"type\":\"launch-missiles\",\"body\":{}}");
        connection.hub("not json at all");
        connection.hub(LinkCodec.encode(new Hello(List.of(1), "evil", LinkMessage.Mode.NORMAL)));

        eventually(() -> connection.sent.size() == 4);
        assertThat(sent(connection).subList(1, 4)).allSatisfy(m -> assertThat(m).isInstanceOf(LinkError.class));
        assertThat(link.state()).isEqualTo(LinkState.CONNECTED);
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void eventAcksGoToTheAgent() {
        FakeTransport.FakeConnection connection = connectAndWelcome();
        String eventId = RandomIds.newId();

        connection.hub(LinkCodec.encode(new EventAck(eventId)));

        eventually(() -> received.size() == 1);
        assertThat(received).containsExactly(new EventAck(eventId));
    }

    @Test
    void vetoesAndRenewedCertificatesGoToTheAgent() {
        FakeTransport.FakeConnection connection = connectAndWelcome();
        String pem = dev.doorward.crypto.pki.Pem.certificate(
                dev.doorward.device.TestPki.hubCa(new MutableClock(), new java.security.SecureRandom())
                        .certificate());

        connection.hub(LinkCodec.encode(new dev.doorward.protocol.LinkMessage.ResetVeto()));
        connection.hub(LinkCodec.encode(new dev.doorward.protocol.LinkMessage.CertificateRenewed(pem)));

        eventually(() -> received.size() == 2);
        assertThat(received)
                .containsExactly(
                        new dev.doorward.protocol.LinkMessage.ResetVeto(),
                        new dev.doorward.protocol.LinkMessage.CertificateRenewed(pem));
    }

    @Test
    void sendsOnlyOnceWelcomed() {
        DeviceEvent ring = new DeviceEvent(RandomIds.newId(), EventKind.RING, clock.millis(), null);
        link.send(ring); // nowhere to go yet: the outbox keeps it
        FakeTransport.FakeConnection connection = connectAndWelcome();

        link.send(ring);

        eventually(() -> connection.sent.size() == 2);
        assertThat(sent(connection).get(1)).isEqualTo(ring);
    }

    @Test
    void heartbeatsAreSentAndAnAnswerKeepsTheLinkUp() {
        FakeTransport.FakeConnection connection = connectAndWelcome();
        for (int i = 0; i < 5; i++) {
            link.heartbeatTick();
            eventually(() -> sent(connection).getLast() instanceof Heartbeat);
            Heartbeat beat = (Heartbeat) sent(connection).getLast();
            connection.hub(LinkCodec.encode(new HeartbeatAck(beat.sequence())));
        }

        eventually(() -> connection.sent.size() == 6);
        assertThat(link.state()).isEqualTo(LinkState.CONNECTED);
        assertThat(transport.connections).hasSize(1);
    }

    @Test
    void twoUnansweredHeartbeatsDropTheLinkAndItReconnects() {
        FakeTransport.FakeConnection first = connectAndWelcome();
        link.heartbeatTick();
        link.heartbeatTick();
        eventually(() -> first.sent.size() == 3);
        assertThat(first.isOpen()).isTrue();

        link.heartbeatTick();

        eventually(() -> !first.isOpen());
        eventually(() ->
                transport.connections.size() == 2 && !transport.last().sent.isEmpty());
        transport.last().hub(LinkCodec.encode(new Welcome(1, deviceId, 30)));
        eventually(() -> link.state() == LinkState.CONNECTED);
        assertThat(welcomes).hasSize(2);
    }

    /** Issue 19: during a drain the heartbeat's ack waits behind acks of events; those show the hub is alive. */
    @Test
    void aHubAnsweringOtherMessagesIsBusyNotDead() {
        FakeTransport.FakeConnection first = connectAndWelcome();
        for (int i = 0; i < 5; i++) {
            link.heartbeatTick();
            link.heartbeatTick();
            first.hub(LinkCodec.encode(new EventAck(RandomIds.newId())));
        }
        eventually(() -> received.size() == 5);
        assertThat(first.isOpen()).isTrue();
        assertThat(transport.connections).hasSize(1);
    }

    @Test
    void reconnectsAfterFailedConnects() {
        transport.refuse = true;
        link.start();
        eventually(() -> transport.attempts.size() >= 3);

        transport.refuse = false;

        eventually(
                () -> !transport.connections.isEmpty() && !transport.last().sent.isEmpty());
        transport.last().hub(LinkCodec.encode(new Welcome(1, deviceId, 30)));
        eventually(() -> link.state() == LinkState.CONNECTED);
    }

    @Test
    void reconnectsWhenTheHubGoesAway() {
        FakeTransport.FakeConnection first = connectAndWelcome();

        first.drop();

        eventually(() -> transport.connections.size() == 2);
        assertThat(states).contains(LinkState.DISCONNECTED);
    }

    @Test
    void closeEndsTheLinkForGood() {
        FakeTransport.FakeConnection connection = connectAndWelcome();

        link.close();

        eventually(() -> link.state() == LinkState.DISCONNECTED);
        assertThat(connection.isOpen()).isFalse();
        int attempts = transport.attempts.size();
        link.heartbeatTick();
        eventually(() -> true);
        assertThat(transport.attempts).hasSize(attempts);
    }
}
