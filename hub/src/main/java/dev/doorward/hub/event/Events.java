package dev.doorward.hub.event;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Stored events. The device's event id is part of the key, so a redelivered event is stored once. */
@Repository
public class Events {
    private final JdbcClient jdbc;
    private final Clock clock;

    public Events(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Stores an event; false when it was already stored (a redelivery). */
    public boolean insert(
            String deviceId, String eventId, String householdId, String kind, Instant occurredAt, String detail) {
        return jdbc.sql("""
                                insert into events (device_id, id, household_id, kind, occurred_at, received_at, detail)
                                values (:device, :id, :household, :kind, :occurred, :received, :detail)
                                on conflict (device_id, id) do nothing""")
                        .param("device", deviceId)
                        .param("id", eventId)
                        .param("household", householdId)
                        .param("kind", kind)
                        .param("occurred", Timestamp.from(occurredAt))
                        .param("received", Timestamp.from(clock.instant()))
                        // Typed, so a null detail is bound without asking the driver's metadata on every ring.
                        .param("detail", detail, Types.VARCHAR)
                        .update()
                == 1;
    }

    /** Whether this doorbell's event is stored already. */
    public boolean exists(String deviceId, String eventId) {
        return jdbc.sql("select 1 from events where device_id = :device and id = :id")
                .param("device", deviceId)
                .param("id", eventId)
                .query(Integer.class)
                .optional()
                .isPresent();
    }

    public List<StoredEvent> ofHousehold(String householdId, int limit) {
        return ofHousehold(householdId, null, null, null, null, limit);
    }

    /** The household's events, newest first, optionally of one doorbell, one kind, and within [from, to). */
    public List<StoredEvent> ofHousehold(
            String householdId, String deviceId, String kind, Instant from, Instant to, int limit) {
        return jdbc.sql("""
                        select e.id, e.device_id, d.name, e.kind, e.occurred_at, e.detail
                        from events e join devices d on d.id = e.device_id
                        where e.household_id = :household
                          and (cast(:device as text) is null or e.device_id = :device)
                          and (cast(:kind as text) is null or e.kind = :kind)
                          and (cast(:from as timestamptz) is null or e.occurred_at >= :from)
                          and (cast(:to as timestamptz) is null or e.occurred_at < :to)
                        order by e.occurred_at desc limit :limit""")
                .param("household", householdId)
                .param("device", deviceId)
                .param("kind", kind)
                .param("from", from == null ? null : Timestamp.from(from))
                .param("to", to == null ? null : Timestamp.from(to))
                .param("limit", limit)
                .query((rs, n) -> new StoredEvent(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getTimestamp(5).toInstant(),
                        rs.getString(6)))
                .list();
    }

    public record StoredEvent(
            String id, String deviceId, String deviceName, String kind, Instant occurredAt, String detail) {}
}
