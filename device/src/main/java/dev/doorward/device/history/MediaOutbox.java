package dev.doorward.device.history;

import dev.doorward.device.files.AtomicFiles;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sealed snapshots and clips waiting for the hub, on disk (written atomically) so that neither a lost link nor
 * a restart loses them. Bounded: when full, the oldest go first and are counted. Only ciphertext is kept here.
 */
public final class MediaOutbox {
    private static final Logger log = LoggerFactory.getLogger(MediaOutbox.class);
    private static final Pattern NAME = Pattern.compile("(\\d{16})-([A-Za-z0-9_-]{22})-(snapshot|clip)\\.sealed");
    public static final int DEFAULT_MAX_OBJECTS = 64;

    /** One waiting object. */
    public record Pending(long sequence, String eventId, EventMediaKind kind, Path file) {
        public byte[] read() throws IOException {
            return Files.readAllBytes(file);
        }
    }

    private final Path dir;
    private final int maxObjects;
    private long nextSequence;
    private long dropped;

    public MediaOutbox(Path dir, int maxObjects) {
        this.dir = dir;
        this.maxObjects = maxObjects;
        this.nextSequence =
                pending().stream().mapToLong(Pending::sequence).max().orElse(0) + 1;
    }

    public synchronized void add(String eventId, EventMediaKind kind, byte[] sealed) {
        try {
            AtomicFiles.ownerOnlyDirectory(dir);
            String name = String.format(Locale.ROOT, "%016d-%s-%s.sealed", nextSequence++, eventId, kind.wireName());
            AtomicFiles.write(dir.resolve(name), sealed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep an event's media", e);
        }
        List<Pending> all = pending();
        for (int i = 0; i < all.size() - maxObjects; i++) {
            remove(all.get(i));
            dropped++;
            log.warn("Event media outbox full: dropped the oldest object ({} so far)", dropped);
        }
    }

    /** Waiting objects, oldest first. */
    public synchronized List<Pending> pending() {
        List<Pending> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(file -> {
                Matcher m = NAME.matcher(file.getFileName().toString());
                if (m.matches()) {
                    all.add(new Pending(
                            Long.parseLong(m.group(1)),
                            m.group(2),
                            EventMediaKind.valueOf(m.group(3).toUpperCase(Locale.ROOT)),
                            file));
                }
            });
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the event media outbox", e);
        }
        all.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        return all;
    }

    public synchronized Optional<Pending> oldest() {
        List<Pending> all = pending();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getFirst());
    }

    /** The hub has it: forget every copy of this event's object of this kind. */
    public synchronized void stored(String eventId, EventMediaKind kind) {
        pending().stream()
                .filter(p -> p.eventId().equals(eventId) && p.kind() == kind)
                .forEach(this::remove);
    }

    /** Objects dropped because the outbox was full, since the device started. */
    public synchronized long dropped() {
        return dropped;
    }

    private void remove(Pending pending) {
        try {
            AtomicFiles.delete(pending.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove an uploaded object", e);
        }
    }
}
