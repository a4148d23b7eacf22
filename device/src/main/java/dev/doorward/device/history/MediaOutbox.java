package dev.doorward.device.history;

import dev.doorward.device.files.AtomicFiles;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sealed snapshots and clips waiting for the hub, on disk (written atomically) so that neither a lost link nor
 * a restart loses them. Only ciphertext is kept here.
 *
 * <p>Bounded by a byte budget and an object count. When an outage fills it, what the owner would miss least
 * goes first: {@linkplain #rank the rank} orders motion clips, then motion snapshots, then ring clips, then ring
 * snapshots, then the snapshots of security events (tamper, pairing mode, a reset, a refused claim); within a
 * rank the oldest goes first, so the newest rings keep their pictures. Uploads go the other way: highest rank,
 * newest first — the picture of whoever is at the door now before the backlog.
 */
public final class MediaOutbox {
    private static final Logger log = LoggerFactory.getLogger(MediaOutbox.class);
    /** {@code <sequence>-<eventId>-<event kind>-<snapshot|clip>.sealed}. */
    private static final Pattern NAME =
            Pattern.compile("(\\d{16})-([A-Za-z0-9_-]{22})-([a-z-]{1,32})-(snapshot|clip)\\.sealed");
    /** Written by earlier versions, without the event kind: kept, and ranked as a ring's. */
    private static final Pattern OLD_NAME = Pattern.compile("(\\d{16})-([A-Za-z0-9_-]{22})-(snapshot|clip)\\.sealed");

    public static final int DEFAULT_MAX_OBJECTS = 1_000;
    /** About 150 rings' snapshots and clips, or 1 000 snapshots; a doorbell's flash holds it easily. */
    public static final long DEFAULT_MAX_BYTES = 48L * 1024 * 1024;

    /** One waiting object. */
    public record Pending(
            long sequence, String eventId, EventKind eventKind, EventMediaKind kind, Path file, long bytes) {
        public byte[] read() throws IOException {
            return Files.readAllBytes(file);
        }

        /** Higher is kept longer and sent sooner. */
        public int rank() {
            return MediaOutbox.rank(eventKind, kind);
        }
    }

    private final Path dir;
    private final int maxObjects;
    private final long maxBytes;
    private long nextSequence;
    private long dropped;

    public MediaOutbox(Path dir, int maxObjects) {
        this(dir, maxObjects, DEFAULT_MAX_BYTES);
    }

    public MediaOutbox(Path dir, int maxObjects, long maxBytes) {
        if (maxObjects < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("the media outbox needs room for something");
        }
        this.dir = dir;
        this.maxObjects = maxObjects;
        this.maxBytes = maxBytes;
        this.nextSequence =
                pending().stream().mapToLong(Pending::sequence).max().orElse(0) + 1;
    }

    /** What goes first when the budget is full (lowest) and is sent first (highest). */
    static int rank(EventKind eventKind, EventMediaKind kind) {
        return switch (eventKind) {
            case MOTION -> kind == EventMediaKind.CLIP ? 0 : 1;
            case RING -> kind == EventMediaKind.CLIP ? 2 : 3;
            default -> kind == EventMediaKind.CLIP ? 2 : 4;
        };
    }

    public synchronized void add(String eventId, EventKind eventKind, EventMediaKind kind, byte[] sealed) {
        try {
            AtomicFiles.ownerOnlyDirectory(dir);
            String name = String.format(
                    Locale.ROOT,
                    "%016d-%s-%s-%s.sealed",
                    nextSequence++,
                    eventId,
                    eventKind.wireName(),
                    kind.wireName());
            AtomicFiles.write(dir.resolve(name), sealed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep an event's media", e);
        }
        makeRoom();
    }

    private void makeRoom() {
        List<Pending> all = new ArrayList<>(pending());
        long bytes = all.stream().mapToLong(Pending::bytes).sum();
        // Evicted first: the lowest rank, and within it the oldest.
        all.sort(Comparator.comparingInt(Pending::rank).thenComparingLong(Pending::sequence));
        int i = 0;
        while (all.size() - i > maxObjects || (bytes > maxBytes && all.size() - i > 0)) {
            Pending victim = all.get(i++);
            remove(victim);
            bytes -= victim.bytes();
            dropped++;
            log.warn(
                    "Event media outbox full: dropped a {} {} ({} so far)",
                    victim.eventKind().wireName(),
                    victim.kind().wireName(),
                    dropped);
        }
    }

    /** Waiting objects, oldest first. */
    public synchronized List<Pending> pending() {
        List<Pending> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(file -> parse(file).ifPresent(all::add));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the event media outbox", e);
        }
        all.sort(Comparator.comparingLong(Pending::sequence));
        return all;
    }

    private static Optional<Pending> parse(Path file) {
        String name = file.getFileName().toString();
        Matcher m = NAME.matcher(name);
        EventKind eventKind;
        String media;
        if (m.matches()) {
            eventKind = eventKind(m.group(3));
            media = m.group(4);
        } else {
            m = OLD_NAME.matcher(name);
            if (!m.matches()) {
                return Optional.empty();
            }
            eventKind = EventKind.RING;
            media = m.group(3);
        }
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            return Optional.empty(); // removed meanwhile
        }
        return Optional.of(new Pending(
                Long.parseLong(m.group(1)),
                m.group(2),
                eventKind,
                EventMediaKind.valueOf(media.toUpperCase(Locale.ROOT)),
                file,
                bytes));
    }

    private static EventKind eventKind(String wire) {
        for (EventKind kind : EventKind.values()) {
            if (kind.wireName().equals(wire)) {
                return kind;
            }
        }
        return EventKind.RING;
    }

    public synchronized Optional<Pending> oldest() {
        List<Pending> all = pending();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getFirst());
    }

    /**
     * The object to send next among those {@code ready} allows (e.g. not while its event still waits for the
     * hub's acknowledgement): the highest rank, newest first.
     */
    public synchronized Optional<Pending> next(Predicate<Pending> ready) {
        return pending().stream()
                .filter(ready)
                .max(Comparator.comparingInt(Pending::rank).thenComparingLong(Pending::sequence));
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
