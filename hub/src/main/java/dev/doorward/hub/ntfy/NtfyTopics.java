package dev.doorward.hub.ntfy;

import dev.doorward.hub.secrets.AtRestSecrets;
import dev.doorward.hub.shared.HouseholdChannelsChanged;
import dev.doorward.hub.shared.HouseholdMemory;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Members' topics. The URL names the topic, which is all a reader of ntfy needs: it is sealed like a password in
 * the database. A household's topics, as a ring's post reads them, are remembered ({@link HouseholdMemory}); every
 * write here forgets them.
 */
@Repository
class NtfyTopics {
    private static final String PURPOSE = "ntfy-topic";

    private final JdbcClient jdbc;
    private final AtRestSecrets secrets;
    private final Clock clock;
    private final HouseholdMemory<List<Topic>> byHousehold;

    NtfyTopics(JdbcClient jdbc, AtRestSecrets secrets, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.secrets = secrets;
        this.clock = clock;
        this.byHousehold = HouseholdMemory.ofChannel("a household's ntfy topics", clock, this::read, events);
    }

    @EventListener
    void channelsChanged(HouseholdChannelsChanged changed) {
        byHousehold.forgetNow();
    }

    /** A member's topic; {@code doorbells} null means every doorbell the member may use. */
    record Topic(String householdId, String accountId, String url, String host, List<String> doorbells) {
        boolean rings(String deviceId) {
            return doorbells == null || doorbells.contains(deviceId);
        }

        @Override
        public String toString() {
            return "Topic[host=" + host + ", url=[REDACTED]]";
        }
    }

    Optional<Topic> find(String householdId, String accountId) {
        return jdbc.sql("select * from ntfy_topics where household_id = :household and account_id = :account")
                .param("household", householdId)
                .param("account", accountId)
                .query(this::topic)
                .optional();
    }

    /**
     * True when memory says, freshly, that the household has no topic: a ring then needs no worker. Reads nothing
     * (false when not known).
     */
    boolean knownToHaveNone(String householdId) {
        return byHousehold.ifFresh(householdId).map(List::isEmpty).orElse(false);
    }

    /** The household's topics that can be opened, from memory when known (see the class comment). */
    List<Topic> ofHousehold(String householdId) {
        return byHousehold.of(householdId);
    }

    private List<Topic> read(String householdId) {
        return jdbc
                .sql("select * from ntfy_topics where household_id = :household")
                .param("household", householdId)
                .query(this::topic)
                .list()
                .stream()
                .filter(topic -> topic.url() != null)
                .toList();
    }

    void save(Topic topic) {
        jdbc.sql("""
                        insert into ntfy_topics (household_id, account_id, url_sealed, url_host, doorbells, updated_at)
                        values (:household, :account, :url, :host, :doorbells, :now)
                        on conflict (household_id, account_id) do update set url_sealed = excluded.url_sealed,
                            url_host = excluded.url_host, doorbells = excluded.doorbells,
                            updated_at = excluded.updated_at""")
                .param("household", topic.householdId())
                .param("account", topic.accountId())
                .param("url", secrets.seal(PURPOSE, topic.householdId() + "/" + topic.accountId(), topic.url()))
                .param("host", topic.host())
                .param(
                        "doorbells",
                        topic.doorbells() == null ? null : topic.doorbells().toArray(String[]::new))
                .param("now", Timestamp.from(clock.instant()))
                .update();
        byHousehold.forgetAll();
    }

    boolean delete(String householdId, String accountId) {
        boolean deleted = jdbc.sql("delete from ntfy_topics where household_id = :household and account_id = :account")
                        .param("household", householdId)
                        .param("account", accountId)
                        .update()
                > 0;
        byHousehold.forgetAll();
        return deleted;
    }

    private Topic topic(ResultSet rs, int row) throws SQLException {
        String householdId = rs.getString("household_id");
        String accountId = rs.getString("account_id");
        Array doorbells = rs.getArray("doorbells");
        String url;
        try {
            url = secrets.open(PURPOSE, householdId + "/" + accountId, rs.getString("url_sealed"));
        } catch (IllegalArgumentException e) {
            // The hub's secrets key was lost or replaced: the member sets the topic again.
            url = null;
        }
        return new Topic(
                householdId,
                accountId,
                url,
                rs.getString("url_host"),
                doorbells == null ? null : List.of((String[]) doorbells.getArray()));
    }
}
