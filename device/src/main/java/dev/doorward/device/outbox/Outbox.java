package dev.doorward.device.outbox;

import dev.doorward.device.files.AtomicFiles;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events waiting for the hub's acknowledgement, kept on disk so a ring survives a power cut or a hub that is
 * down. One small file per event (the link message itself, so what is resent is exactly what was meant),
 * named by a sequence number to keep the order. Bounded: when full, the oldest event gives way and a
 * persisted counter records the loss, so the agent can tell the hub "N events were dropped while offline"
 * ({@link #unreportedDrops()}, then {@link #dropsReported(long)} once the hub has that report).
 *
 * <p>The counter file ({@value #DROPPED_FILE}) holds {@code dropped=}, {@code reported=} and {@code through=},
 * the highest sequence number whose drop is counted. It is written before the dropped event's file is
 * removed, so a crash in between neither loses a drop from the count nor counts one twice: at start-up, event
 * files at or below {@code through} are removed without counting them again.
 */
public final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    public static final int DEFAULT_CAPACITY = 1000;
    static final String DROPPED_FILE = "dropped";
    private static final Pattern NAME = Pattern.compile("(\\d{19})-([A-Za-z0-9_-]{22})\\.json");

    private final Path dir;
    private final int capacity;
    private final TreeMap<Long, DeviceEvent> events = new TreeMap<>();
    /** Event id → sequence number, so a lookup by id does not walk the outbox. */
    private final Map<String, Long> byId = new HashMap<>();

    private long nextSequence;
    private long dropped;
    private long reported;
    private long droppedThrough = -1;

    public Outbox(Path dir) {
        this(dir, DEFAULT_CAPACITY);
    }

    public Outbox(Path dir, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.dir = dir;
        this.capacity = capacity;
        try {
            AtomicFiles.ownerOnlyDirectory(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the outbox " + dir, e);
        }
    }

    /** Stores the event durably before returning: once this returns, a power cut does not lose it. */
    public synchronized void add(DeviceEvent event) {
        try {
            while (events.size() >= capacity) {
                dropOldest();
                log.warn("Outbox full: dropped the oldest event ({} dropped so far)", dropped);
            }
            long sequence = nextSequence++;
            AtomicFiles.write(
                    file(sequence, event.eventId()), LinkCodec.encode(event).getBytes(StandardCharsets.UTF_8));
            events.put(sequence, event);
            byId.put(event.eventId(), sequence);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store an event", e);
        }
    }

    /** Events not yet acknowledged, oldest first. */
    public synchronized List<DeviceEvent> pending() {
        return new ArrayList<>(events.values());
    }

    public synchronized int size() {
        return events.size();
    }

    /** How many events were dropped because the outbox was full, over the device's life. */
    public synchronized long dropped() {
        return dropped;
    }

    public int capacity() {
        return capacity;
    }

    /** Drops not yet reported to the hub (see {@link #dropsReported}). */
    public synchronized long unreportedDrops() {
        return dropped - reported;
    }

    /**
     * The hub has been told about {@code count} more drops (the value {@link #unreportedDrops()} returned when
     * the report was made; drops since then stay unreported). Durable before returning.
     */
    public synchronized void dropsReported(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        long newReported = Math.min(dropped, reported + count);
        if (newReported == reported) {
            return;
        }
        long before = reported;
        reported = newReported;
        try {
            saveCounters();
        } catch (IOException e) {
            reported = before;
            throw new UncheckedIOException("cannot store the outbox counters", e);
        }
    }

    /** The hub stored the event durably: forget it. Unknown ids (repeats, a confused hub) are ignored. */
    public synchronized boolean acknowledge(String eventId) {
        return remove(eventId);
    }

    /** The hub refused the event for good (it can never be stored): forget it. Not counted as a drop. */
    public synchronized boolean discard(String eventId) {
        return remove(eventId);
    }

    /** Whether the event still waits for the hub. */
    public synchronized boolean contains(String eventId) {
        return byId.containsKey(eventId);
    }

    private boolean remove(String eventId) {
        Long sequence = byId.get(eventId);
        if (sequence == null) {
            return false;
        }
        try {
            AtomicFiles.delete(file(sequence, eventId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove an acknowledged event", e);
        }
        events.remove(sequence);
        byId.remove(eventId);
        return true;
    }

    /** Counts the oldest event as dropped (durably), then removes it. */
    private void dropOldest() throws IOException {
        Map.Entry<Long, DeviceEvent> oldest = events.firstEntry();
        long previousThrough = droppedThrough;
        dropped++;
        droppedThrough = oldest.getKey();
        try {
            saveCounters();
        } catch (IOException e) {
            dropped--;
            droppedThrough = previousThrough;
            throw e;
        }
        events.pollFirstEntry();
        byId.remove(oldest.getValue().eventId());
        AtomicFiles.delete(file(oldest.getKey(), oldest.getValue().eventId()));
    }

    private void saveCounters() throws IOException {
        String text = "dropped=" + dropped + "\nreported=" + reported + "\nthrough=" + droppedThrough + "\n";
        AtomicFiles.write(dir.resolve(DROPPED_FILE), text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads the counters; a file holding just a number (older devices) is the drop count. */
    private void loadCounters() throws IOException {
        Path file = dir.resolve(DROPPED_FILE);
        if (!Files.exists(file)) {
            return;
        }
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!text.contains("=")) {
                dropped = Long.parseLong(text);
                return;
            }
            for (String line : text.split("\n")) {
                String[] kv = line.strip().split("=", 2);
                if (kv.length != 2) {
                    continue;
                }
                long value = Long.parseLong(kv[1].strip());
                switch (kv[0].strip()) {
                    case "dropped" -> dropped = value;
                    case "reported" -> reported = value;
                    case "through" -> droppedThrough = value;
                    default -> {
                        // a later version's field
                    }
                }
            }
            if (dropped < 0 || reported < 0 || reported > dropped) {
                throw new NumberFormatException("inconsistent counters");
            }
        } catch (NumberFormatException | CharacterCodingException e) {
            log.warn("Outbox drop counter unreadable; starting from 0");
            dropped = 0;
            reported = 0;
            droppedThrough = -1;
        }
    }

    private Path file(long sequence, String eventId) {
        return dir.resolve(String.format("%019d-%s.json", sequence, eventId));
    }

    private void load() throws IOException {
        loadCounters();
        long highest = droppedThrough;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(AtomicFiles.TEMP_PREFIX)) {
                    Files.deleteIfExists(file); // an interrupted write: the event was never added
                    continue;
                }
                Matcher m = NAME.matcher(name);
                if (!m.matches()) {
                    continue;
                }
                long sequence = Long.parseLong(m.group(1));
                highest = Math.max(highest, sequence);
                if (sequence <= droppedThrough) {
                    AtomicFiles.delete(file); // counted as dropped just before a crash
                    continue;
                }
                readEvent(file, m.group(2)).ifPresent(event -> {
                    events.put(sequence, event);
                    byId.put(event.eventId(), sequence);
                });
            }
        }
        nextSequence = highest + 1;
        while (events.size() > capacity) { // opened with a smaller capacity than before
            dropOldest();
        }
    }

    private Optional<DeviceEvent> readEvent(Path file, String eventId) throws IOException {
        try {
            FromDevice message = LinkCodec.decodeFromDevice(Files.readString(file, StandardCharsets.UTF_8));
            if (message instanceof DeviceEvent event && event.eventId().equals(eventId)) {
                return Optional.of(event);
            }
        } catch (ProtocolException | CharacterCodingException e) {
            // fall through: a damaged file cannot be sent; keep the rest of the outbox going
        }
        log.warn("Outbox: dropping an unreadable event file");
        Files.deleteIfExists(file);
        return Optional.empty();
    }
}
