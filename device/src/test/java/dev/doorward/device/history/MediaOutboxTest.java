package dev.doorward.device.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaOutboxTest {
    @TempDir
    Path dir;

    private static String id(char c) {
        return String.valueOf(c).repeat(22);
    }

    private static List<String> names(MediaOutbox outbox) {
        return outbox.pending().stream()
                .map(p -> p.eventId().charAt(0) + ":" + p.kind().wireName())
                .toList();
    }

    @Test
    void keepsObjectsInOrderAcrossRestartsUntilStored() throws Exception {
        MediaOutbox outbox = new MediaOutbox(dir, 10);
        outbox.add(id('a'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('a'), EventKind.RING, EventMediaKind.CLIP, new byte[] {2});
        outbox.add(id('b'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {3});

        MediaOutbox again = new MediaOutbox(dir, 10);
        assertThat(again.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('a'), id('a'), id('b'));
        assertThat(again.pending()).extracting(MediaOutbox.Pending::eventKind).containsOnly(EventKind.RING);
        assertThat(again.oldest().orElseThrow().read()).containsExactly(1);
        again.stored(id('a'), EventMediaKind.SNAPSHOT);
        assertThat(again.oldest().orElseThrow().kind()).isEqualTo(EventMediaKind.CLIP);
        again.add(id('c'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {4});
        assertThat(again.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('a'), id('b'), id('c'));
    }

    @Test
    void whenFullTheOldestOfTheLowestRankGoesFirstAndIsCounted() {
        MediaOutbox outbox = new MediaOutbox(dir, 2);
        outbox.add(id('a'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('b'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {2});
        outbox.add(id('c'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {3});

        assertThat(outbox.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('b'), id('c'));
        assertThat(outbox.dropped()).isEqualTo(1);
    }

    /**
     * The budget in bytes: motion clips go first, then motion snapshots, then ring clips, then the oldest ring
     * snapshots; security snapshots (tamper) are kept longest. The newest ring keeps its picture.
     */
    @Test
    void aFullBudgetKeepsRingSnapshotsOverMotionClipsAndNewestRingsOverOldest() {
        MediaOutbox outbox = new MediaOutbox(dir, 100, 10 * 100);
        byte[] hundred = new byte[100];
        outbox.add(id('t'), EventKind.TAMPER, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('a'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('a'), EventKind.RING, EventMediaKind.CLIP, hundred);
        outbox.add(id('m'), EventKind.MOTION, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('m'), EventKind.MOTION, EventMediaKind.CLIP, hundred);
        outbox.add(id('b'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('b'), EventKind.RING, EventMediaKind.CLIP, hundred);
        outbox.add(id('c'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('c'), EventKind.RING, EventMediaKind.CLIP, hundred);
        outbox.add(id('n'), EventKind.MOTION, EventMediaKind.CLIP, hundred);
        assertThat(outbox.dropped()).isZero();

        outbox.add(id('d'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox)).doesNotContain("m:clip").contains("n:clip");
        outbox.add(id('e'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox)).doesNotContain("n:clip");
        outbox.add(id('f'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox)).doesNotContain("m:snapshot");
        // Then ring clips, oldest first.
        outbox.add(id('g'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox)).doesNotContain("a:clip").contains("b:clip", "c:clip");
        outbox.add(id('h'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        outbox.add(id('i'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox)).noneMatch(name -> name.endsWith("clip"));
        // Only snapshots left: the oldest ring's goes, the tamper alarm's stays.
        outbox.add(id('j'), EventKind.RING, EventMediaKind.SNAPSHOT, hundred);
        assertThat(names(outbox))
                .containsExactly(
                        "t:snapshot",
                        "b:snapshot",
                        "c:snapshot",
                        "d:snapshot",
                        "e:snapshot",
                        "f:snapshot",
                        "g:snapshot",
                        "h:snapshot",
                        "i:snapshot",
                        "j:snapshot");
        assertThat(outbox.dropped()).isEqualTo(7);
        assertThat(outbox.pending().stream()
                        .mapToLong(MediaOutbox.Pending::bytes)
                        .sum())
                .isLessThanOrEqualTo(1000);
    }

    @Test
    void uploadsGoHighestRankNewestFirstAmongThoseReady() {
        MediaOutbox outbox = new MediaOutbox(dir, 100);
        outbox.add(id('m'), EventKind.MOTION, EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('a'), EventKind.RING, EventMediaKind.CLIP, new byte[] {1});
        outbox.add(id('a'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('b'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {1});

        assertThat(outbox.next(p -> true).orElseThrow().eventId()).isEqualTo(id('b'));
        // An object whose event still waits for the hub is not ready: the next one goes, nothing blocks.
        assertThat(outbox.next(p -> !p.eventId().equals(id('b'))).orElseThrow().eventId())
                .isEqualTo(id('a'));
        assertThat(outbox.next(p -> p.eventId().equals(id('m'))).orElseThrow().kind())
                .isEqualTo(EventMediaKind.SNAPSHOT);
        assertThat(outbox.next(p -> false)).isEmpty();
    }

    @Test
    void readsObjectsQueuedByEarlierVersionsAsRings() throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("0000000000000007-" + id('o') + "-snapshot.sealed"), new byte[] {9});
        MediaOutbox outbox = new MediaOutbox(dir, 10);
        assertThat(outbox.pending()).singleElement().satisfies(p -> {
            assertThat(p.eventKind()).isEqualTo(EventKind.RING);
            assertThat(p.kind()).isEqualTo(EventMediaKind.SNAPSHOT);
        });
        outbox.add(id('p'), EventKind.RING, EventMediaKind.SNAPSHOT, new byte[] {1});
        assertThat(outbox.pending().getLast().sequence()).isEqualTo(8);
    }
}
