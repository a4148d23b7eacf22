package dev.doorward.hub.cluster;

import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.NoticeChannel;
import dev.doorward.hub.notify.NoticeJson;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ring.Rings;
import dev.doorward.hub.stream.MemberStreams;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Notices reach the open apps on every node. As a channel it sends each household's or account's notice once to the
 * other nodes (written by {@link NoticeJson}, the one place of its JSON); a node that receives one gives it to its own
 * open apps only ({@link MemberStreams}), deciding who may hear it with its own notifier's rule. Web Push and ntfy go
 * out from the node where the notice happened, so nobody's phone rings three times; MQTT from the one node holding
 * the broker links (the others hand it their notices here, {@code notify.OneNodeChannel}). The hub's own state
 * (everyone's audience: its database lost) stays on its node: each node tells its own apps.
 */
@Component
@Conditional(Clustered.class)
class ClusterNotices implements NoticeChannel {
    static final String KIND = "notice";

    private final ClusterBus bus;
    private final MemberStreams streams;
    /** Lazily too: the rings need the notifier. */
    private final ObjectProvider<Rings> rings;
    /** Lazily: the notifier is made with every channel, this one among them. */
    private final ObjectProvider<Notifier> notifier;

    private final JsonMapper json = JsonMapper.builder().build();

    ClusterNotices(
            ClusterBus bus, MemberStreams streams, ObjectProvider<Rings> rings, ObjectProvider<Notifier> notifier) {
        this.bus = bus;
        this.streams = streams;
        this.rings = rings;
        this.notifier = notifier;
        bus.on(KIND, this::received);
    }

    /** Returns at once: the bus publishes without waiting, or drops and counts when NATS is away. */
    @Override
    public void deliver(Audience audience, Notice notice) {
        if (Relaying.active()) {
            return; // set off here by another node's news, which that node's own notices already told
        }
        ObjectNode body = json.createObjectNode();
        switch (audience) {
            case Audience.Household household -> {
                body.put("household", household.householdId());
                body.put("adminsOnly", household.adminsOnly());
            }
            case Audience.Account account -> body.put("account", account.accountId());
            case Audience.Everyone everyone -> {
                return;
            }
        }
        body.set("notice", json.valueToTree(NoticeJson.of(notice)));
        bus.publish(KIND, body);
    }

    /**
     * jnats queues the publication for its writer thread and, with a full queue or no server, drops it (the bus
     * counts it): never waited for.
     */
    @Override
    public boolean takesAtOnce(Audience.Household audience) {
        return true;
    }

    /** This node's open apps hear when it loses the other nodes and when they are back. */
    @EventListener
    void messagingChanged(ClusterMessagingChanged change) {
        notifier.getObject().toEveryone(new Notice.ClusterHealth(change.up()));
    }

    private void received(JsonNode body) {
        Notice notice = NoticeJson.read(json.convertValue(body.path("notice"), Map.class));
        // A doorbell whose node dies resends its unacknowledged rings to the node it moves to: announced once.
        switch (notice) {
            case Notice.Ring ring -> rings.getObject().announcedElsewhere(ring.device(), ring.eventId());
            case Notice.Motion motion -> rings.getObject().announcedElsewhere(motion.device(), motion.eventId());
            default -> {}
        }
        String household = body.path("household").asString("");
        String account = body.path("account").asString("");
        if (!household.isEmpty()) {
            boolean adminsOnly = body.path("adminsOnly").asBoolean(true);
            Audience.Household audience = notifier.getObject().householdAudience(household, notice, adminsOnly);
            streams.deliver(audience, notice);
            // MQTT: the node holding the broker links publishes it (it returns at once on the others).
            notifier.getObject().fromAnotherNode(audience, notice);
        } else if (!account.isEmpty()) {
            streams.deliver(new Audience.Account(account), notice);
        }
    }
}
