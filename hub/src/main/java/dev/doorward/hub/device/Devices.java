package dev.doorward.hub.device;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Claimed devices. A device row exists only while a household owns the device. */
@Repository
public class Devices {
    private static final String COLUMNS =
            "id, household_id, serial, name, certificate_serial, certificate_expires_at, claimed_at, last_seen_at";
    private static final RowMapper<Device> ROW = (rs, n) -> new Device(
            rs.getString("id"),
            rs.getString("household_id"),
            rs.getString("serial"),
            rs.getString("name"),
            rs.getString("certificate_serial"),
            rs.getTimestamp("certificate_expires_at").toInstant(),
            rs.getTimestamp("claimed_at").toInstant(),
            rs.getTimestamp("last_seen_at") == null
                    ? null
                    : rs.getTimestamp("last_seen_at").toInstant());

    private final JdbcClient jdbc;
    private final Clock clock;

    public Devices(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public Optional<Device> byId(String id) {
        return jdbc.sql("select " + COLUMNS + " from devices where id = :id")
                .param("id", id)
                .query(ROW)
                .optional();
    }

    public Optional<Device> bySerial(String serial) {
        return jdbc.sql("select " + COLUMNS + " from devices where serial = :serial")
                .param("serial", serial)
                .query(ROW)
                .optional();
    }

    public List<Device> ofHousehold(String householdId) {
        return jdbc.sql("select " + COLUMNS + " from devices where household_id = :household order by claimed_at")
                .param("household", householdId)
                .query(ROW)
                .list();
    }

    /** Registers a claimed device; false if its serial is already owned (the unique key decides races). */
    public boolean insert(Device device) {
        return jdbc.sql("insert into devices (" + COLUMNS + ") values (:id, :household, :serial, :name, :certSerial,"
                                + " :certExpires, :claimedAt, null) on conflict (serial) do nothing")
                        .param("id", device.id())
                        .param("household", device.householdId())
                        .param("serial", device.serial())
                        .param("name", device.name())
                        .param("certSerial", device.certificateSerial())
                        .param("certExpires", Timestamp.from(device.certificateExpiresAt()))
                        .param("claimedAt", Timestamp.from(device.claimedAt()))
                        .update()
                == 1;
    }

    /** Undoes a registration the device itself never took up. */
    public boolean deleteNeverConnected(String id) {
        return jdbc.sql("delete from devices where id = :id and last_seen_at is null")
                        .param("id", id)
                        .update()
                == 1;
    }

    public void touch(String id) {
        jdbc.sql("update devices set last_seen_at = :now where id = :id")
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
    }

    public record Device(
            String id,
            String householdId,
            String serial,
            String name,
            String certificateSerial,
            Instant certificateExpiresAt,
            Instant claimedAt,
            Instant lastSeenAt) {}
}
