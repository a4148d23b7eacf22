package dev.doorward.hub.mqtt;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.secrets.AtRestSecrets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Households' MQTT brokers and their doorbells' topic keys; secrets are sealed here and opened only here. */
@Repository
class MqttIntegrations {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MqttIntegrations.class);
    private static final String PASSWORD = "mqtt-password";
    private static final String CLIENT_KEY = "mqtt-client-key";

    private final JdbcClient jdbc;
    private final AtRestSecrets secrets;
    private final Clock clock;

    MqttIntegrations(JdbcClient jdbc, AtRestSecrets secrets, Clock clock) {
        this.jdbc = jdbc;
        this.secrets = secrets;
        this.clock = clock;
    }

    Optional<MqttSettings> find(String householdId) {
        return jdbc.sql("select * from mqtt_integrations where household_id = :household")
                .param("household", householdId)
                .query(this::settings)
                .optional();
    }

    List<MqttSettings> all() {
        return jdbc.sql("select * from mqtt_integrations").query(this::settings).list();
    }

    /** Stores the household's broker; its topic id stays what it was (Home Assistant keeps its entities). */
    MqttSettings save(MqttSettings s) {
        String topicId = find(s.householdId()).map(MqttSettings::topicId).orElseGet(RandomIds::newId);
        jdbc.sql("""
                        insert into mqtt_integrations (household_id, topic_id, host, port, username, password_sealed,
                            broker_ca_pem, client_cert_pem, client_key_sealed, updated_at)
                        values (:household, :topic, :host, :port, :username, :password, :ca, :cert, :key, :now)
                        on conflict (household_id) do update set host = excluded.host, port = excluded.port,
                            username = excluded.username, password_sealed = excluded.password_sealed,
                            broker_ca_pem = excluded.broker_ca_pem, client_cert_pem = excluded.client_cert_pem,
                            client_key_sealed = excluded.client_key_sealed, updated_at = excluded.updated_at,
                            link_state = 'connecting', link_detail = 'connecting'""")
                .param("household", s.householdId())
                .param("topic", topicId)
                .param("host", s.host())
                .param("port", s.port())
                .param("username", s.username())
                .param("password", s.password() == null ? null : secrets.seal(PASSWORD, s.householdId(), s.password()))
                .param("ca", s.brokerCaPem())
                .param("cert", s.clientCertificatePem())
                .param(
                        "key",
                        s.clientKeyPem() == null ? null : secrets.seal(CLIENT_KEY, s.householdId(), s.clientKeyPem()))
                .param("now", Timestamp.from(clock.instant()))
                .update();
        return find(s.householdId()).orElseThrow();
    }

    boolean delete(String householdId) {
        return jdbc.sql("delete from mqtt_integrations where household_id = :household")
                        .param("household", householdId)
                        .update()
                > 0;
    }

    /** A doorbell as Home Assistant knows it: its random topic key and the name its owner gave it. */
    record Doorbell(String deviceId, String topicKey, String name) {}

    /** The household's doorbells, each with its topic key (made now for a doorbell that has none yet). */
    List<Doorbell> doorbells(String householdId) {
        List<String> missing = jdbc.sql("""
                        select d.id from devices d join mqtt_integrations m on m.household_id = d.household_id
                        where d.household_id = :household
                          and not exists (select 1 from mqtt_doorbells b where b.device_id = d.id)""")
                .param("household", householdId)
                .query(String.class)
                .list();
        for (String deviceId : missing) {
            jdbc.sql("""
                            insert into mqtt_doorbells (device_id, household_id, topic_key)
                            values (:device, :household, :key) on conflict (device_id) do nothing""")
                    .param("device", deviceId)
                    .param("household", householdId)
                    .param("key", RandomIds.newId())
                    .update();
        }
        return jdbc.sql("""
                        select d.id, b.topic_key, d.name from devices d join mqtt_doorbells b on b.device_id = d.id
                        where d.household_id = :household and b.household_id = :household order by d.claimed_at""")
                .param("household", householdId)
                .query((rs, n) -> new Doorbell(rs.getString(1), rs.getString(2), rs.getString(3)))
                .list();
    }

    private MqttSettings settings(ResultSet rs, int row) throws SQLException {
        String householdId = rs.getString("household_id");
        String password = rs.getString("password_sealed");
        String clientKey = rs.getString("client_key_sealed");
        return new MqttSettings(
                householdId,
                rs.getString("topic_id"),
                rs.getString("host"),
                rs.getInt("port"),
                rs.getString("username"),
                openOrNull(PASSWORD, householdId, password),
                rs.getString("broker_ca_pem"),
                rs.getString("client_cert_pem"),
                openOrNull(CLIENT_KEY, householdId, clientKey),
                rs.getTimestamp("updated_at").toInstant());
    }

    /** Every household's settings version (when they were saved), for a cluster's link holder to compare. */
    Map<String, Instant> versions() {
        Map<String, Instant> versions = new HashMap<>();
        jdbc.sql("select household_id, updated_at from mqtt_integrations").query(rs -> {
            versions.put(rs.getString(1), rs.getTimestamp(2).toInstant());
        });
        return versions;
    }

    /**
     * Written by the cluster node holding the link, so every node shows the owner the same; only while the lease
     * table says it holds the lease (a node whose link another took over would write "cannot reach broker").
     */
    void saveStatus(String householdId, BrokerLink.Status status, String lease, String node) {
        jdbc.sql("""
                        update mqtt_integrations set link_state = :state, link_detail = :detail
                        where household_id = :household
                          and exists (select 1 from cluster_leases where name = :lease and node_name = :node)""")
                .param("lease", lease)
                .param("node", node)
                .param("state", status.state())
                .param("detail", status.detail())
                .param("household", householdId)
                .update();
    }

    Optional<BrokerLink.Status> storedStatus(String householdId) {
        return jdbc.sql("select link_state, link_detail from mqtt_integrations where household_id = :household")
                .param("household", householdId)
                .query((rs, n) -> new BrokerLink.Status(rs.getString(1), rs.getString(2)))
                .optional();
    }

    /**
     * A stored secret, or null when there is none or it no longer opens (the key file was lost or replaced): the
     * broker then refuses the hub, and the owner enters it again. Never a reason for the hub not to start.
     */
    private String openOrNull(String purpose, String householdId, String sealed) {
        if (sealed == null) {
            return null;
        }
        try {
            return secrets.open(purpose, householdId, sealed);
        } catch (IllegalArgumentException e) {
            log.warn(
                    "A stored {} of household {} does not open with this hub's key; it must be entered again",
                    purpose,
                    householdId);
            return null;
        }
    }
}
