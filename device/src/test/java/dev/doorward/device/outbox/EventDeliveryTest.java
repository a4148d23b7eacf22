package dev.doorward.device.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the doorbell acts on every answer the hub can give to an event (issue 19). */
class EventDeliveryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));

    @TempDir
    Path dir;

    private static List<DeviceEvent> events(int count) {
        return IntStream.range(0, count)
                .mapToObj(n -> new DeviceEvent(RandomIds.newId(), EventKind.RING, 1_780_000_000_000L + n, null))
                .toList();
    }

    private EventDelivery delivery(Outbox outbox) {
        return new EventDelivery(outbox, clock, new Random(1));
    }

    private static List<String> ids(List<DeviceEvent> events) {
        return events.stream().map(DeviceEvent::eventId).toList();
    }

    @Test
    void aReconnectDrainsTheOutboxOldestFirstAsFastAsTheHubAcknowledges() {
        Outbox outbox = new Outbox(dir);
        List<DeviceEvent> all = events(100);
        all.forEach(outbox::add);
        EventDelivery delivery = delivery(outbox);

        List<DeviceEvent> sent = new java.util.ArrayList<>(delivery.linkUp());
        assertThat(sent).hasSize(EventDelivery.WINDOW).containsExactlyElementsOf(all.subList(0, EventDelivery.WINDOW));
        // Each acknowledgement lets the next one go, at once: no waiting for a reconnect or a timer.
        for (int i = 0; i < all.size(); i++) {
            sent.addAll(delivery.acknowledged(all.get(i).eventId()));
        }
        assertThat(ids(sent)).containsExactlyElementsOf(ids(all));
        assertThat(outbox.size()).isZero();
    }

    @Test
    void aNewRingGoesAtOnceWhateverTheBacklog() {
        Outbox outbox = new Outbox(dir);
        events(100).forEach(outbox::add);
        EventDelivery delivery = delivery(outbox);
        delivery.linkUp();
        DeviceEvent now = events(1).getFirst();
        outbox.add(now);
        assertThat(delivery.added(now)).contains(now);
    }

    @Test
    void rateLimitedIsSentAgainAfterTheHubsWaitNotAtTheNextReconnect() {
        Outbox outbox = new Outbox(dir);
        List<DeviceEvent> all = events(3);
        all.forEach(outbox::add);
        EventDelivery delivery = delivery(outbox);
        delivery.linkUp();

        assertThat(delivery.concerns(LinkError.rateLimited(all.get(1).eventId(), 2_000)))
                .isTrue();
        assertThat(delivery.refused(LinkError.rateLimited(all.get(1).eventId(), 2_000)))
                .isEmpty();
        assertThat(delivery.acknowledged(all.get(0).eventId())).isEmpty(); // paused: nothing new goes
        clock.advance(Duration.ofMillis(1_999));
        assertThat(delivery.tick()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(delivery.tick()).containsExactly(all.get(1));
        assertThat(outbox.size()).isEqualTo(3 - 1);
    }

    @Test
    void internalIsRetriedWithBackOffAndInvalidIsDroppedNotResentForever() {
        Outbox outbox = new Outbox(dir);
        List<DeviceEvent> all = events(2);
        all.forEach(outbox::add);
        EventDelivery delivery = delivery(outbox);
        delivery.linkUp();

        // invalid-field: it can never be stored; dropped (and not counted as lost for lack of room).
        delivery.refused(LinkError.about(all.get(0).eventId(), ErrorCode.INVALID_FIELD, "event refused"));
        assertThat(outbox.contains(all.get(0).eventId())).isFalse();
        assertThat(outbox.dropped()).isZero();
        assertThat(delivery.refusedForGood()).isEqualTo(1);

        // internal: kept, and sent again after a back-off that grows with each failure.
        String failing = all.get(1).eventId();
        Duration previous = Duration.ZERO;
        for (int failure = 1; failure <= 6; failure++) {
            assertThat(delivery.refused(LinkError.about(failing, ErrorCode.INTERNAL, "x")))
                    .isEmpty();
            Duration waited = Duration.ZERO;
            List<DeviceEvent> again;
            do {
                clock.advance(Duration.ofMillis(100));
                waited = waited.plusMillis(100);
                again = delivery.tick();
            } while (again.isEmpty() && waited.compareTo(Duration.ofMinutes(1)) < 0);
            assertThat(again).containsExactly(all.get(1));
            assertThat(waited).isLessThanOrEqualTo(Retries.CAP);
            if (failure > 1 && failure < 5) {
                assertThat(waited).isGreaterThanOrEqualTo(previous.dividedBy(2));
            }
            previous = waited;
        }
        assertThat(previous).isGreaterThanOrEqualTo(Retries.CAP.dividedBy(2));
        assertThat(outbox.contains(failing)).isTrue();
        // A reconnect (the hub is back) sends it at once.
        assertThat(delivery.refused(LinkError.about(failing, ErrorCode.INTERNAL, "x")))
                .isEmpty();
        delivery.linkDown();
        assertThat(delivery.linkUp()).containsExactly(all.get(1));
    }

    @Test
    void anEventTheHubNeverAnsweredIsSentAgainAndNothingGoesWhileTheLinkIsDown() {
        Outbox outbox = new Outbox(dir);
        List<DeviceEvent> all = events(1);
        all.forEach(outbox::add);
        EventDelivery delivery = delivery(outbox);
        assertThat(delivery.added(all.getFirst())).isEmpty();
        assertThat(delivery.tick()).isEmpty();
        assertThat(delivery.linkUp()).containsExactly(all.getFirst());
        clock.advance(EventDelivery.ACK_TIMEOUT.minusMillis(1));
        assertThat(delivery.tick()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(delivery.tick()).containsExactly(all.getFirst());
        // An error about something else (an upload of an acknowledged event) is not the delivery's.
        assertThat(delivery.concerns(LinkError.about(RandomIds.newId(), ErrorCode.INVALID_FIELD, "x")))
                .isFalse();
    }
}
