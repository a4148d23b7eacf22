package dev.doorward.hub.cluster;

import dev.doorward.hub.roster.AccessChanged;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.shared.AccountDeleted;
import dev.doorward.hub.shared.BrowserRevoked;
import dev.doorward.hub.shared.HouseholdChannelsChanged;
import dev.doorward.hub.shared.MemberRemoved;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.stream.MemberStreams;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What ends or changes access on one node ends it on every node: a session ended (sign-out, password change, expiry),
 * a member removed, a browser revoked, an account deleted close the matching member streams and live views
 * everywhere, and a change of who may use which doorbell makes every node reload that household's access (announced
 * by {@link MemberAccess} once its change committed). The receiving node re-publishes each as its own Spring event (inside
 * {@link Relaying}, so it is not sent on again) and its own parts react as they do to a local one.
 *
 * <p>An ended session's id travels too: it is dead by then (its row is deleted), and it is what the other nodes'
 * sockets remember.
 */
@Component
@Conditional(Clustered.class)
class ClusterEndings {
    static final String SESSION_ENDED = "session-ended";
    static final String MEMBER_REMOVED = "member-removed";
    static final String BROWSER_REVOKED = "browser-revoked";
    static final String ACCOUNT_DELETED = "account-deleted";
    static final String ACCESS_CHANGED = "access-changed";
    static final String CHANNELS_CHANGED = "channels-changed";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ClusterBus bus;
    private final ApplicationEventPublisher events;
    private final MemberStreams streams;
    private final MemberAccess access;

    ClusterEndings(ClusterBus bus, ApplicationEventPublisher events, MemberStreams streams, MemberAccess access) {
        this.bus = bus;
        this.events = events;
        this.streams = streams;
        this.access = access;
        bus.on(SESSION_ENDED, body -> relay(new SessionEnded(text(body, "session"))));
        bus.on(MEMBER_REMOVED, this::memberRemovedElsewhere);
        bus.on(BROWSER_REVOKED, body -> relay(new BrowserRevoked(text(body, "client"), text(body, "account"))));
        bus.on(ACCOUNT_DELETED, this::accountDeletedElsewhere);
        bus.on(ACCESS_CHANGED, body -> Relaying.run(() -> access.changedElsewhere(texts(body, "households"))));
        bus.on(CHANNELS_CHANGED, body -> relay(new HouseholdChannelsChanged()));
    }

    // ---- sent when they happen here, as this node's own listeners hear them; never what another node said.
    // Not @TransactionalEventListener: AccountDeleted, AccessChanged and some MemberRemoved are published from an
    // afterCommit callback already, where a new after-commit listener would never run. Closing sockets needs no
    // commit; AccessChanged, the one whose receivers read the database, is published after the commit.

    @EventListener
    void sessionEnded(SessionEnded ended) {
        send(SESSION_ENDED, object().put("session", ended.sessionId()));
    }

    @EventListener
    void memberRemoved(MemberRemoved removed) {
        send(MEMBER_REMOVED, object().put("account", removed.accountId()).put("household", removed.householdId()));
    }

    @EventListener
    void browserRevoked(BrowserRevoked revoked) {
        send(BROWSER_REVOKED, object().put("client", revoked.clientId()).put("account", revoked.accountId()));
    }

    @EventListener
    void accountDeleted(AccountDeleted deleted) {
        ObjectNode body = object().put("account", deleted.accountId());
        body.set("households", array(deleted.deletedHouseholdIds()));
        send(ACCOUNT_DELETED, body);
    }

    /** {@link MemberAccess} publishes it once the change committed. */
    @EventListener
    void accessChanged(AccessChanged changed) {
        ObjectNode body = object();
        body.set("households", array(changed.householdIds()));
        send(ACCESS_CHANGED, body);
    }

    /** Published once the change committed (a push subscription or preference, an ntfy topic). */
    @EventListener
    void channelsChanged(HouseholdChannelsChanged changed) {
        send(CHANNELS_CHANGED, object());
    }

    private void send(String kind, JsonNode body) {
        if (!Relaying.active()) {
            bus.publish(kind, body);
        }
    }

    // ---- received

    /** As the removing node does: its open streams stop hearing the household, and its views end. */
    private void memberRemovedElsewhere(JsonNode body) {
        MemberRemoved removed = new MemberRemoved(text(body, "account"), text(body, "household"));
        Relaying.run(() -> {
            streams.removeFromHousehold(removed.accountId(), removed.householdId());
            events.publishEvent(removed);
        });
    }

    /** As the deleting node does: the account's open streams close, what it held ends. */
    private void accountDeletedElsewhere(JsonNode body) {
        AccountDeleted deleted = new AccountDeleted(text(body, "account"), texts(body, "households"));
        Relaying.run(() -> {
            events.publishEvent(deleted);
            streams.closeAccount(deleted.accountId());
        });
    }

    private void relay(Object event) {
        Relaying.run(() -> events.publishEvent(event));
    }

    private static ObjectNode object() {
        return NODES.objectNode();
    }

    private static ArrayNode array(List<String> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (!value.isString() || value.asString().isEmpty()) {
            throw new IllegalArgumentException("a cluster message without its " + field);
        }
        return value.asString();
    }

    private static List<String> texts(JsonNode body, String field) {
        JsonNode values = body.path(field);
        if (!values.isArray()) {
            throw new IllegalArgumentException("a cluster message without its " + field);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode value : values) {
            if (!value.isString()) {
                throw new IllegalArgumentException("a cluster message with a bad " + field);
            }
            out.add(value.asString());
        }
        return List.copyOf(out);
    }
}
