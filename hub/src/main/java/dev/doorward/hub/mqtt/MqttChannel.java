package dev.doorward.hub.mqtt;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.mqtt.HomeAssistant.Kind;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.OneNodeChannel;
import dev.doorward.hub.shared.AccountDeleted;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.Leases;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The household's Home Assistant: the notifier's MQTT channel. Each household that turned it on has one {@link
 * BrokerLink}. In a cluster only the node holding the {@value #LEASE} lease ({@link Leases}) has links — a broker
 * drops the older of two connections with one client id, so two nodes would take the link from each other in a loop
 * — and it also publishes what happened on the other nodes ({@link OneNodeChannel}); it reconnects a household
 * whose settings were saved on another node, and writes each link's status for the other nodes to show. A notice is handed to one worker thread and the caller returns at once (this is on the path from the
 * button to the ring); the worker publishes it, so events of a household leave in the order they came. Only a ring,
 * motion, a tamper alarm and a doorbell's online state go out; everything else the hub knows stays in.
 */
@Component
class MqttChannel implements OneNodeChannel, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(MqttChannel.class);
    private static final int QUEUE = 10_000;
    static final String LEASE = "mqtt";
    /**
     * In a cluster, how long after a doorbell's offline notice its availability is read from the link table: the
     * node it moved to may have said online first, and the row of the old link goes after its notice.
     */
    static final long SETTLE_MS = 2_000;

    private final MqttIntegrations integrations;
    private final DeviceChannel connections;
    private final AuditLog audit;
    /** Present on a cluster node only. */
    private final Optional<Leases> leases;
    /** Whether this node has the links: always on a single hub, while it holds the lease in a cluster. */
    private volatile boolean holding;

    private final Map<String, BrokerLink> links = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor worker;
    private volatile boolean running;

    MqttChannel(MqttIntegrations integrations, DeviceChannel connections, AuditLog audit, Optional<Leases> leases) {
        this.integrations = integrations;
        this.connections = connections;
        this.audit = audit;
        this.leases = leases;
        this.holding = leases.isEmpty();
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "mqtt-channel");
            thread.setDaemon(true);
            return thread;
        });
        this.worker.setRejectedExecutionHandler((task, executor) -> {
            if (dropped.incrementAndGet() % 1000 == 1) {
                log.warn("The MQTT channel is behind; dropped {} notices so far", dropped.get());
            }
        });
    }

    @Override
    public void deliver(Audience audience, Notice notice) {
        if (!holding || !(audience instanceof Audience.Household household) || !carried(notice)) {
            return; // a cluster node without the links: the holder hears it over NATS and publishes it
        }
        BrokerLink link = links.get(household.householdId());
        if (link != null) {
            worker.execute(() -> publish(link, notice));
        }
    }

    /** A publication goes to the channel's worker through a bounded queue, refused when full: never waited for. */
    @Override
    public boolean takesAtOnce(Audience.Household audience) {
        return true;
    }

    @Override
    public void fromAnotherNode(Audience.Household audience, Notice notice) {
        deliver(audience, notice);
    }

    /** What Home Assistant hears of: rings, motion, tamper, a doorbell's link and its name. */
    private static boolean carried(Notice notice) {
        return switch (notice) {
            case Notice.Ring r -> true;
            case Notice.Motion m -> true;
            case Notice.SecurityAlert alert -> alert.kind() == Notice.Alert.TAMPER && alert.device() != null;
            case Notice.DeviceOnline o -> true;
            case Notice.DeviceOffline o -> true;
            case Notice.DeviceChanged c -> true;
            default -> false;
        };
    }

    private void publish(BrokerLink link, Notice notice) {
        if (links.get(link.settings().householdId()) != link) {
            return;
        }
        String deviceId = notice.deviceId().orElseThrow();
        if (notice instanceof Notice.DeviceChanged) {
            refreshDoorbells(link);
            return;
        }
        Optional<MqttIntegrations.Doorbell> doorbell = doorbell(link, deviceId);
        if (doorbell.isEmpty()) {
            return;
        }
        switch (notice) {
            case Notice.Ring r -> link.publishEvent(doorbell.get(), Kind.RING);
            case Notice.Motion m -> link.publishEvent(doorbell.get(), Kind.MOTION);
            case Notice.SecurityAlert a -> link.publishEvent(doorbell.get(), Kind.TAMPER);
            case Notice.DeviceOnline o -> link.publishAvailability(doorbell.get(), true);
            case Notice.DeviceOffline o
            when leases.isPresent() -> {
                // The cluster's view, once it has settled: a doorbell that moved to another node stays online.
                MqttIntegrations.Doorbell known = doorbell.get();
                CompletableFuture.delayedExecutor(SETTLE_MS, TimeUnit.MILLISECONDS, worker)
                        .execute(() -> {
                            if (links.get(link.settings().householdId()) == link) {
                                link.publishAvailability(known, connections.isOnlineAnywhere(deviceId));
                            }
                        });
            }
            case Notice.DeviceOffline o -> link.publishAvailability(doorbell.get(), false);
            default -> {}
        }
    }

    /** The doorbell from memory; a doorbell claimed since the link came up is looked up (and announced) once. */
    private Optional<MqttIntegrations.Doorbell> doorbell(BrokerLink link, String deviceId) {
        MqttIntegrations.Doorbell known = link.doorbells.get(deviceId);
        if (known != null) {
            return Optional.of(known);
        }
        refreshDoorbells(link);
        return Optional.ofNullable(link.doorbells.get(deviceId));
    }

    /** Brings Home Assistant's list of doorbells up to date: new ones and new names announced, gone ones removed. */
    private void refreshDoorbells(BrokerLink link) {
        List<MqttIntegrations.Doorbell> now =
                integrations.doorbells(link.settings().householdId());
        for (MqttIntegrations.Doorbell doorbell : now) {
            MqttIntegrations.Doorbell before = link.doorbells.put(doorbell.deviceId(), doorbell);
            if (!doorbell.equals(before)) {
                link.publishConfigs(doorbell);
                link.publishAvailability(doorbell, connections.isOnlineAnywhere(doorbell.deviceId()));
            }
        }
        for (MqttIntegrations.Doorbell gone : List.copyOf(link.doorbells.values())) {
            if (now.stream().noneMatch(d -> d.deviceId().equals(gone.deviceId()))) {
                link.doorbells.remove(gone.deviceId());
                link.removeConfigs(gone);
            }
        }
    }

    /** Connected (again): the hub says it is online and announces every doorbell, as it does when asked to. */
    private void announceAll(BrokerLink link) {
        if (links.get(link.settings().householdId()) != link) {
            return;
        }
        link.publishHubOnline();
        link.doorbells.clear();
        refreshDoorbells(link);
    }

    private void statusChanged(MqttSettings settings, BrokerLink.Status previous, BrokerLink.Status now) {
        if (leases.isPresent() && links.get(settings.householdId()) != null) {
            try {
                integrations.saveStatus(
                        settings.householdId(), now, LEASE, leases.get().node());
            } catch (RuntimeException e) {
                log.debug("Could not store the MQTT status of household {}: {}", settings.householdId(), e.toString());
            }
        }
        if (now.state().equals("connecting")) {
            return;
        }
        // The household's security log says when the broker refuses the hub or goes away, and when it is back.
        if (now.state().equals("connected") && !previous.state().equals("connecting")
                || !now.state().equals("connected")) {
            audit.record(
                    settings.householdId(), "hub", "mqtt-" + now.state(), "Home Assistant broker: " + now.detail());
        }
    }

    /**
     * Starts (or restarts, with new settings) the household's link; the old one, if any, is closed. A cluster node
     * without the lease does nothing: the holder sees the new settings within a renewal.
     */
    synchronized void connect(MqttSettings settings) {
        if (!holding) {
            return;
        }
        BrokerLink link = new BrokerLink(settings, worker, this::statusChanged, this::announceAll, this::announceAll);
        BrokerLink previous = links.put(settings.householdId(), link);
        if (previous != null) {
            previous.close(false);
        }
        if (running) {
            link.start();
        }
    }

    /** The household turned the integration off: its doorbells leave Home Assistant, then the link closes. */
    synchronized void disconnect(String householdId) {
        BrokerLink link = links.remove(householdId);
        if (link != null) {
            worker.execute(() -> link.close(true));
        }
    }

    /** A deleted household's doorbells leave Home Assistant, and its link ends. */
    @EventListener
    void accountDeleted(AccountDeleted deleted) {
        deleted.deletedHouseholdIds().forEach(this::disconnect);
    }

    /** Whether this node has the broker links now (a single hub: always). */
    boolean holdsLinks() {
        return holding;
    }

    /** The link's status: this node's own, or in a cluster what the node holding the link last stored. */
    Optional<BrokerLink.Status> status(String householdId) {
        BrokerLink link = links.get(householdId);
        if (link != null || leases.isEmpty()) {
            return Optional.ofNullable(link).map(BrokerLink::status);
        }
        return integrations.storedStatus(householdId);
    }

    @Override
    public void start() {
        running = true;
        leases.ifPresentOrElse(
                cluster -> cluster.follow(LEASE, new Leases.Holder() {
                    @Override
                    public void taken() {
                        holding = true;
                        worker.execute(MqttChannel.this::connectAll);
                    }

                    @Override
                    public void renewed() {
                        worker.execute(MqttChannel.this::followSettings);
                    }

                    @Override
                    public void lost() {
                        dropAll();
                    }
                }),
                this::connectAll);
    }

    /** Another node may hold the links now: this one's end (with the last will, until the holder says online). */
    private synchronized void dropAll() {
        holding = false;
        for (BrokerLink link : links.values()) {
            link.close(false);
        }
        links.clear();
    }

    /**
     * The holder follows the settings saved on any node: a new or changed household's link (re)connects, the link of
     * one that turned the integration off (or was deleted) takes its doorbells out of Home Assistant and ends.
     */
    private void followSettings() {
        if (!holding) {
            return;
        }
        Map<String, java.time.Instant> versions = integrations.versions();
        versions.forEach((householdId, version) -> {
            BrokerLink link = links.get(householdId);
            if (link == null || !version.equals(link.settings().updatedAt())) {
                integrations.find(householdId).ifPresent(this::connectLogged);
            }
        });
        for (String householdId : List.copyOf(links.keySet())) {
            if (!versions.containsKey(householdId)) {
                disconnect(householdId);
            }
        }
    }

    private void connectLogged(MqttSettings settings) {
        try {
            connect(settings);
        } catch (RuntimeException e) {
            log.warn("The MQTT broker of household {} cannot be used: {}", settings.householdId(), e.getMessage());
        }
    }

    private void connectAll() {
        if (!holding) {
            return;
        }
        for (MqttSettings settings : integrations.all()) {
            try {
                connect(settings);
            } catch (RuntimeException e) {
                log.warn("The MQTT broker of household {} cannot be used: {}", settings.householdId(), e.getMessage());
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        synchronized (this) {
            for (BrokerLink link : links.values()) {
                link.close(false);
            }
            links.clear();
        }
        worker.shutdown();
        try {
            worker.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
