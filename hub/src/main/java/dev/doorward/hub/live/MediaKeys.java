package dev.doorward.hub.live;

import dev.doorward.protocol.LinkMessage;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The latest media epoch key envelope of each doorbell for each member browser (docs/media.md). Only the
 * browser's own private key opens one; the hub hands each browser nothing but its own.
 */
@Repository
public class MediaKeys {
    private static final RowMapper<Envelope> ROW = (rs, n) -> new Envelope(
            rs.getString("device_id"),
            rs.getString("client_id"),
            rs.getLong("epoch"),
            rs.getInt("slot"),
            rs.getString("ephemeral_key"),
            rs.getString("nonce"),
            rs.getString("wrapped"));

    private final JdbcClient jdbc;
    private final Clock clock;

    MediaKeys(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** One envelope as the browser gets it; binary values are unpadded base64url. */
    public record Envelope(
            String deviceId, String clientId, long epoch, int slot, String ephemeralKey, String nonce, String wrapped) {

        static Envelope of(String deviceId, LinkMessage.MediaKey key) {
            return new Envelope(
                    deviceId, key.clientId(), key.epoch(), key.slot(), key.ephemeralKey(), key.nonce(), key.wrapped());
        }
    }

    /**
     * Keeps the newest envelope for (device, client). False when the client is not a browser of the device's
     * household (a doorbell can only wrap to browsers in its roster, so that would be a stale roster).
     */
    boolean store(Envelope envelope) {
        return jdbc.sql("""
                        insert into media_keys (device_id, client_id, epoch, slot, ephemeral_key, nonce, wrapped,
                            updated_at)
                        select :device, c.id, :epoch, :slot, :ephemeral, :nonce, :wrapped, :now
                        from member_clients c
                        join memberships m on m.account_id = c.account_id
                        join devices d on d.household_id = m.household_id
                        where c.id = :client and d.id = :device
                        on conflict (device_id, client_id, epoch) do update set slot = excluded.slot,
                            ephemeral_key = excluded.ephemeral_key, nonce = excluded.nonce,
                            wrapped = excluded.wrapped, updated_at = excluded.updated_at""")
                        .param("device", envelope.deviceId())
                        .param("client", envelope.clientId())
                        .param("epoch", envelope.epoch())
                        .param("slot", envelope.slot())
                        .param("ephemeral", envelope.ephemeralKey())
                        .param("nonce", envelope.nonce())
                        .param("wrapped", envelope.wrapped())
                        .param("now", Timestamp.from(clock.instant()))
                        .update()
                == 1;
    }

    /** The newest envelope of a browser for a doorbell. */
    Optional<Envelope> of(String deviceId, String clientId) {
        return jdbc.sql("""
                        select * from media_keys where device_id = :device and client_id = :client
                        order by epoch desc limit 1""")
                .param("device", deviceId)
                .param("client", clientId)
                .query(ROW)
                .optional();
    }

    /** A browser's envelope of one epoch (to open a snapshot sealed then). */
    public Optional<Envelope> of(String deviceId, String clientId, long epoch) {
        return jdbc.sql("select * from media_keys where device_id = :device and client_id = :client and epoch = :epoch")
                .param("device", deviceId)
                .param("client", clientId)
                .param("epoch", epoch)
                .query(ROW)
                .optional();
    }

    /**
     * Old envelopes nothing needs any more: neither the newest of each browser nor one of an epoch that still
     * has stored media.
     */
    public int forgetUnused(String deviceId) {
        return jdbc.sql("""
                        delete from media_keys k where k.device_id = :device
                        and k.epoch < (select max(epoch) from media_keys l
                            where l.device_id = k.device_id and l.client_id = k.client_id)
                        and not exists (select 1 from event_media m where m.device_id = k.device_id and m.epoch = k.epoch)""").param("device", deviceId).update();
    }

    /** The newest envelopes of one account's browsers for one doorbell. */
    List<Envelope> ofAccount(String deviceId, String accountId) {
        return jdbc.sql("""
                        select distinct on (k.client_id) k.* from media_keys k
                        join member_clients c on c.id = k.client_id
                        where k.device_id = :device and c.account_id = :account
                        order by k.client_id, k.epoch desc""")
                .param("device", deviceId)
                .param("account", accountId)
                .query(ROW)
                .list();
    }

    /** A removed member's browsers lose their envelopes for the household's doorbells. */
    void forgetAccountInHousehold(String accountId, String householdId) {
        jdbc.sql("""
                        delete from media_keys where client_id in (select id from member_clients where account_id = :account)
                        and device_id in (select id from devices where household_id = :household)""")
                .param("account", accountId)
                .param("household", householdId)
                .update();
    }
}
