package dev.doorward.hub.household;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Households and who belongs to them. */
@Repository
public class Households {
    private final JdbcClient jdbc;
    private final Clock clock;

    public Households(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public String create(String name, String ownerAccountId) {
        String id = RandomIds.newId();
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("insert into households (id, name, created_at) values (:id, :name, :now)")
                .param("id", id)
                .param("name", name)
                .param("now", now)
                .update();
        jdbc.sql("""
                        insert into memberships (household_id, account_id, role, created_at)
                        values (:household, :account, 'owner', :now)""")
                .param("household", id)
                .param("account", ownerAccountId)
                .param("now", now)
                .update();
        return id;
    }

    /** The households an account belongs to, with its role in each. */
    public List<Membership> membershipsOf(String accountId) {
        return jdbc.sql("""
                        select h.id, h.name, m.role, h.retention_days from memberships m
                        join households h on h.id = m.household_id
                        where m.account_id = :account order by h.created_at""")
                .param("account", accountId)
                .query((rs, n) ->
                        new Membership(rs.getString(1), rs.getString(2), Role.fromDb(rs.getString(3)), rs.getInt(4)))
                .list();
    }

    /**
     * The member's role, or {@link NotFound}: to someone outside it, a household does not exist (the same answer
     * as for a household id that was never made, so ids cannot be probed).
     */
    public Role requireRole(String accountId, String householdId) {
        return roleOf(accountId, householdId).orElseThrow(NotFound::new);
    }

    public Optional<Role> roleOf(String accountId, String householdId) {
        return jdbc.sql("select role from memberships where account_id = :account and household_id = :household")
                .param("account", accountId)
                .param("household", householdId)
                .query(String.class)
                .optional()
                .map(Role::fromDb);
    }

    /** Account ids of everyone in a household. */
    public List<String> memberAccountIds(String householdId) {
        return jdbc.sql("select account_id from memberships where household_id = :household")
                .param("household", householdId)
                .query(String.class)
                .list();
    }

    public record Membership(String householdId, String householdName, Role role, int retentionDays) {}

    /** How many days the household keeps its events and their media. */
    public void setRetentionDays(String householdId, int days) {
        jdbc.sql("update households set retention_days = :days where id = :id")
                .param("days", days)
                .param("id", householdId)
                .update();
    }
}
