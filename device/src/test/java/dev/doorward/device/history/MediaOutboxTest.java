package dev.doorward.device.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaOutboxTest {
    @TempDir
    Path dir;

    private static String id(char c) {
        return String.valueOf(c).repeat(22);
    }

    @Test
    void keepsObjectsInOrderAcrossRestartsUntilStored() throws Exception {
        MediaOutbox outbox = new MediaOutbox(dir, 10);
        outbox.add(id('a'), EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('a'), EventMediaKind.CLIP, new byte[] {2});
        outbox.add(id('b'), EventMediaKind.SNAPSHOT, new byte[] {3});

        MediaOutbox again = new MediaOutbox(dir, 10);
        assertThat(again.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('a'), id('a'), id('b'));
        assertThat(again.oldest().orElseThrow().read()).containsExactly(1);
        again.stored(id('a'), EventMediaKind.SNAPSHOT);
        assertThat(again.oldest().orElseThrow().kind()).isEqualTo(EventMediaKind.CLIP);
        again.add(id('c'), EventMediaKind.SNAPSHOT, new byte[] {4});
        assertThat(again.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('a'), id('b'), id('c'));
    }

    @Test
    void whenFullTheOldestGoFirstAndAreCounted() {
        MediaOutbox outbox = new MediaOutbox(dir, 2);
        outbox.add(id('a'), EventMediaKind.SNAPSHOT, new byte[] {1});
        outbox.add(id('b'), EventMediaKind.SNAPSHOT, new byte[] {2});
        outbox.add(id('c'), EventMediaKind.SNAPSHOT, new byte[] {3});

        assertThat(outbox.pending()).extracting(MediaOutbox.Pending::eventId).containsExactly(id('b'), id('c'));
        assertThat(outbox.dropped()).isEqualTo(1);
    }
}
