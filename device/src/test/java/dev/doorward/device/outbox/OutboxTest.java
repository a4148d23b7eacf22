package dev.doorward.device.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    private static final long T0 = 1_780_000_000_000L;

    @TempDir
    Path dir;

    private static DeviceEvent event(int n) {
        return new DeviceEvent(RandomIds.newId(), EventKind.RING, T0 + n, null);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keepsEventsInOrder() {
        Outbox outbox = new Outbox(dir);
        List<DeviceEvent> events =
                IntStream.range(0, 12).mapToObj(OutboxTest::event).toList();
        events.forEach(outbox::add);

        assertThat(outbox.pending()).containsExactlyElementsOf(events);
    }

    @Test
    void eventsSurviveARestartInOrder() {
        Outbox before = new Outbox(dir);
        List<DeviceEvent> events =
                IntStream.range(0, 12).mapToObj(OutboxTest::event).toList();
        events.forEach(before::add);
        before.acknowledge(events.get(3).eventId());

        Outbox after = new Outbox(dir);
        DeviceEvent later = event(99);
        after.add(later);

        List<DeviceEvent> expected = new java.util.ArrayList<>(events);
        expected.remove(3);
        expected.add(later);
        assertThat(after.pending()).containsExactlyElementsOf(expected);
    }

    @Test
    void oneSmallFilePerEventNamedBySequenceAndId() throws IOException {
        Outbox outbox = new Outbox(dir);
        DeviceEvent e = new DeviceEvent(RandomIds.newId(), EventKind.CLAIM_REFUSED, T0, "foreign-hub");
        outbox.add(e);

        assertThat(files()).containsExactly("0000000000000000000-" + e.eventId() + ".json");
        assertThat(Files.readString(dir.resolve(files().get(0)))).contains("\"foreign-hub\"");
    }

    @Test
    void acknowledgingDeletesTheEvent() throws IOException {
        Outbox outbox = new Outbox(dir);
        DeviceEvent a = event(1);
        DeviceEvent b = event(2);
        outbox.add(a);
        outbox.add(b);

        assertThat(outbox.acknowledge(a.eventId())).isTrue();
        assertThat(outbox.acknowledge(a.eventId())).isFalse();
        assertThat(outbox.acknowledge(RandomIds.newId())).isFalse();

        assertThat(outbox.pending()).containsExactly(b);
        assertThat(files()).hasSize(1);
    }

    @Test
    void whenFullTheOldestGivesWayAndTheLossIsCountedAcrossRestarts() {
        Outbox outbox = new Outbox(dir, 5);
        List<DeviceEvent> events =
                IntStream.range(0, 8).mapToObj(OutboxTest::event).toList();
        events.forEach(outbox::add);

        assertThat(outbox.pending()).containsExactlyElementsOf(events.subList(3, 8));
        assertThat(outbox.dropped()).isEqualTo(3);
        Outbox reopened = new Outbox(dir, 5);
        assertThat(reopened.dropped()).isEqualTo(3);
        assertThat(reopened.pending()).containsExactlyElementsOf(events.subList(3, 8));
    }

    @Test
    void theDefaultBoundIsAThousand() {
        Outbox outbox = new Outbox(dir);
        for (int i = 0; i < 1001; i++) {
            outbox.add(event(i));
        }

        assertThat(outbox.size()).isEqualTo(1000);
        assertThat(outbox.dropped()).isEqualTo(1);
    }

    @Test
    void leftoversOfAnInterruptedWriteAndDamagedFilesAreSkipped() throws IOException {
        Outbox outbox = new Outbox(dir);
        DeviceEvent good = event(1);
        outbox.add(good);
        Files.writeString(dir.resolve(".tmp-0000000000000000001-x.json-123"), "{\"half");
        Files.writeString(dir.resolve("0000000000000000005-" + RandomIds.newId() + ".json"), "{not json");

        Outbox reopened = new Outbox(dir);

        assertThat(reopened.pending()).containsExactly(good);
        assertThat(files()).hasSize(1);
        // New events still sort after everything seen before.
        DeviceEvent next = event(2);
        reopened.add(next);
        assertThat(new Outbox(dir).pending()).containsExactly(good, next);
    }

    @Test
    void droppingKeepsTheNewestInOrderAtEveryStep() {
        Outbox outbox = new Outbox(dir, 3);
        List<DeviceEvent> events =
                IntStream.range(0, 10).mapToObj(OutboxTest::event).toList();
        for (int i = 0; i < events.size(); i++) {
            outbox.add(events.get(i));
            assertThat(outbox.pending()).containsExactlyElementsOf(events.subList(Math.max(0, i - 2), i + 1));
            assertThat(outbox.dropped()).isEqualTo(Math.max(0, i - 2));
        }
        assertThat(outbox.capacity()).isEqualTo(3);
    }

    @Test
    void aSmallerCapacityAtStartDropsTheOldestAndTheCountSurvivesTheNextRestart() {
        Outbox big = new Outbox(dir, 10);
        List<DeviceEvent> events =
                IntStream.range(0, 8).mapToObj(OutboxTest::event).toList();
        events.forEach(big::add);

        Outbox small = new Outbox(dir, 5);
        assertThat(small.pending()).containsExactlyElementsOf(events.subList(3, 8));
        assertThat(small.dropped()).isEqualTo(3);

        Outbox again = new Outbox(dir, 5);
        assertThat(again.dropped()).isEqualTo(3);
        assertThat(again.pending()).containsExactlyElementsOf(events.subList(3, 8));
    }

    @Test
    void aCrashBetweenCountingADropAndRemovingTheFileCountsItOnce() throws IOException {
        Outbox outbox = new Outbox(dir, 2);
        List<DeviceEvent> events =
                IntStream.range(0, 3).mapToObj(OutboxTest::event).toList();
        events.forEach(outbox::add); // drops event 0 (sequence 0)
        // Put back what a crash right after the counter was written would have left: the event's file.
        Files.writeString(
                dir.resolve("0000000000000000000-" + events.get(0).eventId() + ".json"),
                dev.doorward.protocol.LinkCodec.encode(events.get(0)));

        Outbox reopened = new Outbox(dir, 2);

        assertThat(reopened.dropped()).isEqualTo(1);
        assertThat(reopened.pending()).containsExactlyElementsOf(events.subList(1, 3));
        assertThat(files())
                .doesNotContain("0000000000000000000-" + events.get(0).eventId() + ".json");
    }

    @Test
    void newEventsNeverReuseTheSequenceOfADroppedOne() {
        Outbox outbox = new Outbox(dir, 2);
        List<DeviceEvent> events =
                IntStream.range(0, 3).mapToObj(OutboxTest::event).toList();
        events.forEach(outbox::add);
        outbox.acknowledge(events.get(1).eventId());
        outbox.acknowledge(events.get(2).eventId());

        Outbox reopened = new Outbox(dir, 2);
        DeviceEvent later = event(50);
        reopened.add(later);

        assertThat(new Outbox(dir, 2).pending()).containsExactly(later);
    }

    @Test
    void dropsAreReportedOnceAndTheReportSurvivesARestart() {
        Outbox outbox = new Outbox(dir, 2);
        IntStream.range(0, 5).mapToObj(OutboxTest::event).forEach(outbox::add);
        assertThat(outbox.unreportedDrops()).isEqualTo(3);

        long toReport = outbox.unreportedDrops();
        outbox.add(event(10)); // one more drop while the report is on its way
        outbox.dropsReported(toReport);

        assertThat(outbox.unreportedDrops()).isEqualTo(1);
        Outbox reopened = new Outbox(dir, 2);
        assertThat(reopened.dropped()).isEqualTo(4);
        assertThat(reopened.unreportedDrops()).isEqualTo(1);
        reopened.dropsReported(100); // never more than there were
        assertThat(reopened.unreportedDrops()).isZero();
        assertThat(new Outbox(dir, 2).unreportedDrops()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reopened.dropsReported(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCounterFileFromAnOlderVersionIsRead() throws IOException {
        Files.writeString(dir.resolve(Outbox.DROPPED_FILE), "7\n");

        Outbox outbox = new Outbox(dir);

        assertThat(outbox.dropped()).isEqualTo(7);
        assertThat(outbox.unreportedDrops()).isEqualTo(7);
    }

    @Test
    void aDamagedCounterFileStartsFromZeroAndKeepsTheEvents() throws IOException {
        Outbox outbox = new Outbox(dir);
        DeviceEvent e = event(1);
        outbox.add(e);
        Files.writeString(dir.resolve(Outbox.DROPPED_FILE), "dropped=x\n");

        Outbox reopened = new Outbox(dir);

        assertThat(reopened.dropped()).isZero();
        assertThat(reopened.pending()).containsExactly(e);
    }
}
