package dev.doorward.hub.eventmedia;

import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.hub.blob.BlobId;
import dev.doorward.hub.blob.BlobStore;
import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Sealed snapshots and clips of events: ciphertext in the blob store, a row in PostgreSQL that points at it
 * (docs/media.md "Event media"). The blob is written and fsynced before the row exists and deleted before the
 * row goes, so a crash leaves at worst an unreferenced blob, which the sweep removes — never a row without its
 * bytes, and never two copies of one event's object.
 */
@Service
public class EventMediaStore {
    private static final Logger log = LoggerFactory.getLogger(EventMediaStore.class);
    /** A blob younger than this may belong to an upload whose row is being written right now. */
    static final Duration ORPHAN_AGE = Duration.ofMinutes(10);

    private static final int STILL_SLOT = 2;

    private final JdbcClient jdbc;
    private final BlobStore blobs;
    private final Clock clock;

    private static final long RETENTION_MILLIS = 3_600_000;
    private final ClusterChores chores;

    EventMediaStore(JdbcClient jdbc, BlobStore blobs, Clock clock, ClusterChores chores) {
        this.chores = chores;
        this.jdbc = jdbc;
        this.blobs = blobs;
        this.clock = clock;
    }

    /** One stored object. */
    public record StoredMedia(
            String deviceId, String eventId, EventMediaKind kind, BlobId blobId, long epoch, int bytes) {}

    /** Why an upload was not stored. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Stores a doorbell's sealed object for one of its events. A repeat of an object already stored (the
     * doorbell did not hear the first acknowledgement) keeps the first copy and counts as stored.
     */
    public void store(String deviceId, String eventId, EventMediaKind kind, byte[] sealed) throws Refused {
        SFrameHeader header;
        try {
            header = SFrameHeader.decode(sealed);
        } catch (IllegalArgumentException e) {
            throw new Refused("not a sealed frame");
        }
        if (Long.remainderUnsigned(header.kid(), 256) != STILL_SLOT || header.kid() < 0) {
            throw new Refused("not sealed with the still key");
        }
        long epoch = header.kid() / 256;
        boolean eventExists = jdbc.sql("select 1 from events where device_id = :device and id = :event")
                .param("device", deviceId)
                .param("event", eventId)
                .query(Integer.class)
                .optional()
                .isPresent();
        if (!eventExists) {
            throw new Refused("no such event");
        }
        if (find(deviceId, eventId, kind).isPresent()) {
            return;
        }
        BlobId blobId = BlobId.random();
        try {
            blobs.put(blobId, sealed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store an event's media", e);
        }
        int inserted = jdbc.sql("""
                        insert into event_media (device_id, event_id, kind, blob_id, epoch, bytes, stored_at)
                        values (:device, :event, :kind, :blob, :epoch, :bytes, :now)
                        on conflict do nothing""")
                .param("device", deviceId)
                .param("event", eventId)
                .param("kind", kind.wireName())
                .param("blob", blobId.value())
                .param("epoch", epoch)
                .param("bytes", sealed.length)
                .param("now", Timestamp.from(clock.instant()))
                .update();
        if (inserted == 0) {
            deleteBlob(blobId);
        }
    }

    public Optional<StoredMedia> find(String deviceId, String eventId, EventMediaKind kind) {
        return jdbc.sql("""
                        select blob_id, epoch, bytes from event_media
                        where device_id = :device and event_id = :event and kind = :kind""")
                .param("device", deviceId)
                .param("event", eventId)
                .param("kind", kind.wireName())
                .query((rs, n) -> new StoredMedia(
                        deviceId, eventId, kind, BlobId.of(rs.getString(1)), rs.getLong(2), rs.getInt(3)))
                .optional();
    }

    public Optional<byte[]> read(StoredMedia media) {
        try {
            return blobs.read(media.blobId());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read an event's media", e);
        }
    }

    /** Which kinds of media each event has, for a timeline page. Keys are "deviceId/eventId". */
    public Map<String, List<String>> kindsOf(List<String> deviceAndEventIds) {
        if (deviceAndEventIds.isEmpty()) {
            return Map.of();
        }
        return jdbc
                .sql("""
                        select device_id || '/' || event_id, kind from event_media
                        where device_id || '/' || event_id in (:keys) order by kind desc""")
                .param("keys", deviceAndEventIds)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getString(2)))
                .list()
                .stream()
                .collect(Collectors.groupingBy(
                        Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
    }

    /** Deletes an event with its media: blobs first, then the rows. Returns {events, blobs} deleted. */
    public int[] deleteEvent(String deviceId, String eventId) {
        List<String> blobIds = jdbc.sql(
                        "select blob_id from event_media where device_id = :device and event_id = :event")
                .param("device", deviceId)
                .param("event", eventId)
                .query(String.class)
                .list();
        blobIds.forEach(id -> deleteBlob(BlobId.of(id)));
        int events = jdbc.sql("delete from events where device_id = :device and id = :event")
                .param("device", deviceId)
                .param("event", eventId)
                .update();
        return new int[] {events, blobIds.size()};
    }

    /** Before a doorbell's rows go (release, reset): its blobs go first. */
    public int deleteDeviceMedia(String deviceId) {
        List<String> blobIds = jdbc.sql("select blob_id from event_media where device_id = :device")
                .param("device", deviceId)
                .query(String.class)
                .list();
        blobIds.forEach(id -> deleteBlob(BlobId.of(id)));
        jdbc.sql("delete from event_media where device_id = :device")
                .param("device", deviceId)
                .update();
        return blobIds.size();
    }

    /** Retention, on one node of a cluster per run. */
    @Scheduled(fixedDelay = RETENTION_MILLIS, initialDelay = 60_000)
    void scheduledRetention() {
        chores.runOnce(Chore.MEDIA_RETENTION, Duration.ofMillis(RETENTION_MILLIS), this::applyRetention);
    }

    /**
     * Retention: events older than their doorbell's retention period (its own, else its household's) go, with
     * their media.
     */
    public void applyRetention() {
        Instant now = clock.instant();
        List<String[]> expired = jdbc.sql("""
                        select e.device_id, e.id from events e join households h on h.id = e.household_id
                        left join devices d on d.id = e.device_id
                        where e.occurred_at < cast(:now as timestamptz)
                            - make_interval(days => coalesce(d.retention_days, h.retention_days))""")
                .param("now", Timestamp.from(now))
                .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)})
                .list();
        expired.forEach(e -> deleteEvent(e[0], e[1]));
        if (!expired.isEmpty()) {
            log.info("Retention: deleted {} expired events with their media", expired.size());
        }
        sweepOrphans(now);
    }

    /** Blobs no row points at (a crash between writing a blob and its row), older than {@link #ORPHAN_AGE}. */
    int sweepOrphans(Instant now) {
        Set<String> referenced = new HashSet<>(
                jdbc.sql("select blob_id from event_media").query(String.class).list());
        int removed = 0;
        try (var stored = blobs.list()) {
            for (BlobStore.StoredBlob blob : stored.toList()) {
                if (!referenced.contains(blob.id().value()) && blob.storedAt().isBefore(now.minus(ORPHAN_AGE))) {
                    deleteBlob(blob.id());
                    removed++;
                }
            }
        } catch (IOException e) {
            log.warn("Could not list the blob store: {}", e.getMessage());
        }
        return removed;
    }

    private void deleteBlob(BlobId id) {
        try {
            blobs.delete(id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete an event's media", e);
        }
    }

    static EventMediaKind kind(String wire) {
        return EventMediaKind.valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
