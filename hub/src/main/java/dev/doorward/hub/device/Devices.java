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
            "id, household_id, serial, name, certificate_serial, certificate_expires_at, claimed_at, last_seen_at,"
                    + " reset_pending_until, reset_veto_requested_at, previous_certificate_serial, cooling_off_seconds";
    private static final RowMapper<Device> ROW = (rs, n) -> new Device(
            rs.getString("id"),
            rs.getString("household_id"),
            rs.getString("serial"),
            rs.getString("name"),
            rs.getString("certificate_serial"),
            rs.getTimestamp("certificate_expires_at").toInstant(),
            rs.getTimestamp("claimed_at").toInstant(),
            instant(rs.getTimestamp("last_seen_at")),
            instant(rs.getTimestamp("reset_pending_until")),
            instant(rs.getTimestamp("reset_veto_requested_at")),
            rs.getString("previous_certificate_serial"),
            rs.getObject("cooling_off_seconds") == null ? null : rs.getLong("cooling_off_seconds"));

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

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
        return jdbc.sql("insert into devices (id, household_id, serial, name, certificate_serial,"
                                + " certificate_expires_at, claimed_at) values (:id, :household, :serial, :name,"
                                + " :certSerial, :certExpires, :claimedAt) on conflict (serial) do nothing")
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

    /** Marks the doorbell seen now; false if it no longer exists. */
    public boolean touch(String id) {
        return jdbc.sql("update devices set last_seen_at = :now where id = :id")
                        .param("now", Timestamp.from(clock.instant()))
                        .param("id", id)
                        .update()
                > 0;
    }

    public record Device(
            String id,
            String householdId,
            String serial,
            String name,
            String certificateSerial,
            Instant certificateExpiresAt,
            Instant claimedAt,
            Instant lastSeenAt,
            Instant resetPendingUntil,
            Instant resetVetoRequestedAt,
            String previousCertificateSerial,
            Long coolingOffSeconds) {

        /**
         * The device's own certificate, or the one before its last renewal while the new one is unused, or one this
         * hub's CA issued to it after the one recorded here (valid for longer): that only happens when the
         * database was restored from a backup older than the doorbell's last renewal, and the doorbell must not be
         * locked out for it. An older certificate is never accepted.
         */
        public boolean acceptsCertificate(String serial, Instant notAfter) {
            return serial.equals(certificateSerial)
                    || serial.equals(previousCertificateSerial)
                    || issuedAfterTheRecordedOne(serial, notAfter);
        }

        /**
         * Whether a link presenting this certificate may renew it: the newest certificate, or the previous one
         * while the newest has never been used ({@code previousCertificateSerial} is set only until the device
         * first connects with the newest). The hub records a renewal before its answer reaches the device, so an
         * answer lost on the way (the link dropped, the device lost power before storing it) leaves the device
         * holding only the previous certificate; refusing it would lock the device out when it expires. Once the
         * device has connected with the newest, the previous is forgotten and no older copy can extend itself.
         */
        public boolean mayRenewWith(String serial) {
            return serial.equals(certificateSerial) || serial.equals(previousCertificateSerial);
        }

        /** A certificate newer than the one recorded: the database forgot a renewal (it was restored). */
        public boolean issuedAfterTheRecordedOne(String serial, Instant notAfter) {
            return !serial.equals(certificateSerial)
                    && !serial.equals(previousCertificateSerial)
                    && certificateExpiresAt != null
                    && notAfter.isAfter(certificateExpiresAt);
        }
    }

    public void resetPending(String id, Instant until) {
        // A repeated report of the same reset keeps a veto that is still on its way to the device.
        jdbc.sql("""
                        update devices set reset_veto_requested_at = case when reset_pending_until = :until
                            then reset_veto_requested_at else null end, reset_pending_until = :until
                        where id = :id""").param("until", Timestamp.from(until)).param("id", id).update();
    }

    public void coolingOffConfirmed(String id, long seconds) {
        jdbc.sql("update devices set cooling_off_seconds = :seconds where id = :id")
                .param("seconds", seconds)
                .param("id", id)
                .update();
    }

    /** The motion setting the doorbell confirmed it applied ({@code MotionSetting} text). */
    public void motionConfirmed(String id, String setting) {
        jdbc.sql("update devices set motion_setting = :setting where id = :id")
                .param("setting", setting)
                .param("id", id)
                .update();
    }

    public void rename(String id, String name) {
        jdbc.sql("update devices set name = :name where id = :id")
                .param("name", name)
                .param("id", id)
                .update();
    }

    /** How long this doorbell's history is kept; null: as long as its household's. */
    public void setRetentionDays(String id, Integer days) {
        jdbc.sql("update devices set retention_days = :days where id = :id")
                .param("days", days)
                .param("id", id)
                .update();
    }

    /** What the settings screen shows beyond the device row: the confirmed motion setting and retention. */
    public record Settings(String motionSetting, Integer retentionDays) {}

    public Optional<Settings> settingsOf(String id) {
        return jdbc.sql("select motion_setting, retention_days from devices where id = :id")
                .param("id", id)
                .query((rs, n) -> new Settings(
                        rs.getString("motion_setting"),
                        rs.getObject("retention_days") == null ? null : rs.getInt("retention_days")))
                .optional();
    }

    public void resetCancelled(String id) {
        jdbc.sql("update devices set reset_pending_until = null, reset_veto_requested_at = null where id = :id")
                .param("id", id)
                .update();
    }

    public void vetoRequested(String id) {
        jdbc.sql("update devices set reset_veto_requested_at = :now where id = :id and reset_pending_until is not null")
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
    }

    /** The device is no longer owned (reset completed or released): its row, events and keys go. */
    public void delete(String id) {
        jdbc.sql("delete from devices where id = :id").param("id", id).update();
    }

    /**
     * Records a renewal {@link Device#mayRenewWith} allowed: the new certificate becomes the newest, and the one
     * that asked for it becomes the previous (it keeps working until the device first connects with the new one).
     * An unused newest that the device never received is dropped. Only if the row still holds the serials
     * {@code seen} read: false if another renewal or a first connection with the newest came in between (the
     * caller then issued a certificate nobody will get).
     */
    public boolean renewed(Device seen, String renewedWith, String newSerial, Instant expiresAt) {
        return jdbc.sql("""
                                update devices set previous_certificate_serial = :renewedWith,
                                    certificate_serial = :serial, certificate_expires_at = :expires
                                where id = :id and certificate_serial = :seenSerial
                                    and previous_certificate_serial is not distinct from cast(:seenPrevious as text)""")
                        .param("renewedWith", renewedWith)
                        .param("serial", newSerial)
                        .param("expires", Timestamp.from(expiresAt))
                        .param("id", seen.id())
                        .param("seenSerial", seen.certificateSerial())
                        .param("seenPrevious", seen.previousCertificateSerial())
                        .update()
                == 1;
    }

    /**
     * The device connected with a certificate this hub's CA issued after the recorded one (the database was
     * restored from an older backup): it becomes the newest, and the device has shown it holds it, so no previous.
     */
    public void adopted(String id, String serial, Instant expiresAt) {
        jdbc.sql("""
                        update devices set certificate_serial = :serial, certificate_expires_at = :expires,
                            previous_certificate_serial = null where id = :id""")
                .param("serial", serial)
                .param("expires", Timestamp.from(expiresAt))
                .param("id", id)
                .update();
    }

    /**
     * The device connected with its newest certificate: the one before it stops working. Only while {@code used}
     * is still the newest, so a link that began before a later renewal cannot retire that renewal's previous.
     */
    public void forgetPreviousCertificate(String id, String used) {
        String sql = "update devices set previous_certificate_serial = null"
                + " where id = :id and certificate_serial = :used and previous_certificate_serial is not null";
        jdbc.sql(sql).param("id", id).param("used", used).update();
    }
}
