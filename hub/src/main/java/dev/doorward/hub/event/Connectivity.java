package dev.doorward.hub.event;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.shared.DeviceChannel;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * "Offline" and "online" in a doorbell's history: offline once it has been gone longer than
 * {@code doorward.offline-after} (a reconnect within that time is not news), online when it is back after that.
 * The hub writes these events itself; the live online/offline state in the app does not wait for them.
 */
@Component
public class Connectivity implements DeviceLinkFeature {
    static final String OFFLINE = "offline";
    static final String ONLINE = "online";
    private static final long SWEEP_MILLIS = 5_000;

    private final JdbcClient jdbc;
    private final DeviceChannel connections;
    private final HubProperties properties;
    private final Clock clock;
    private final ClusterChores chores;

    Connectivity(
            JdbcClient jdbc, DeviceChannel connections, HubProperties properties, Clock clock, ClusterChores chores) {
        this.chores = chores;
        this.jdbc = jdbc;
        this.connections = connections;
        this.properties = properties;
        this.clock = clock;
    }

    /** The sweep, on one node of a cluster per run. True if it ran here. */
    @Scheduled(fixedDelay = SWEEP_MILLIS, initialDelay = SWEEP_MILLIS)
    public boolean sweep() {
        return chores.runOnce(Chore.OFFLINE_SWEEP, Duration.ofMillis(SWEEP_MILLIS), this::recordOffline);
    }

    /** Records "offline" for doorbells gone long enough whose history does not say so yet. */
    public void recordOffline() {
        Instant gone = clock.instant().minus(properties.offlineAfter());
        List<String[]> candidates = jdbc.sql("""
                        select d.id, d.household_id, d.last_seen_at from devices d
                        where d.last_seen_at is not null and d.last_seen_at < :gone
                        and coalesce((select e.kind from events e where e.device_id = d.id
                            and e.kind in ('online', 'offline') order by e.occurred_at desc limit 1), 'online') = 'online'""")
                .param("gone", Timestamp.from(gone))
                .query((rs, n) -> new String[] {
                    rs.getString(1),
                    rs.getString(2),
                    rs.getTimestamp(3).toInstant().toString()
                })
                .list();
        for (String[] device : candidates) {
            if (!connections.isOnline(device[0])) {
                insert(device[0], device[1], OFFLINE, Instant.parse(device[2]));
            }
        }
    }

    /** A doorbell said hello: if its history last said "offline", it is back. */
    public void connected(String deviceId, String householdId) {
        String last = jdbc.sql("""
                        select kind from events where device_id = :device and kind in ('online', 'offline')
                        order by occurred_at desc limit 1""")
                .param("device", deviceId)
                .query(String.class)
                .optional()
                .orElse(ONLINE);
        if (OFFLINE.equals(last)) {
            insert(deviceId, householdId, ONLINE, clock.instant());
        }
    }

    private void insert(String deviceId, String householdId, String kind, Instant at) {
        jdbc.sql("""
                        insert into events (device_id, id, household_id, kind, occurred_at, received_at, detail)
                        values (:device, :id, :household, :kind, :at, :now, null)""")
                .param("device", deviceId)
                .param("id", RandomIds.newId())
                .param("household", householdId)
                .param("kind", kind)
                .param("at", Timestamp.from(at))
                .param("now", Timestamp.from(clock.instant()))
                .update();
    }

    @Override
    public void online(Device device) {
        connected(device.id(), device.householdId());
    }
}
