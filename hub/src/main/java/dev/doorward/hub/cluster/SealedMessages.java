package dev.doorward.hub.cluster;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.cluster.ClusterKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The envelope of every message between nodes: {@code MAC ‖ JSON}, the MAC being HMAC-SHA-256 (under the key derived
 * from the join secret) over the JSON bytes exactly as sent. The JSON names the sending node, when it was sent and a
 * random id: {@code {"node", "at", "id", "kind", "body"}}. A receiver reads nothing of a message before its MAC
 * holds, and drops one older (or further ahead) than {@link #WINDOW}, or whose id it has seen within the window.
 * Dropped messages are counted; their content is never logged.
 */
final class SealedMessages {
    private static final Logger log = LoggerFactory.getLogger(SealedMessages.class);
    /** A flood of bad messages is logged once per reason in this time, with how many there were. */
    private static final long LOG_EVERY_MS = 10_000;

    static final Duration WINDOW = Duration.ofSeconds(30);
    private static final long PRUNE_EVERY_MS = 5_000;

    /** A message that passed every check. */
    record Opened(String node, String kind, JsonNode body) {}

    /** Why a message was dropped (each counted). */
    enum Refusal {
        BAD_MAC,
        MALFORMED,
        STALE,
        REPLAYED
    }

    private final byte[] key;
    private final String node;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();
    /** Ids seen within the window, with when they were sent: a replay within the window is caught here. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    private final AtomicLong lastPrune = new AtomicLong();
    private final Map<Refusal, AtomicLong> refused = new ConcurrentHashMap<>();
    private final Map<Refusal, AtomicLong> lastLogged = new ConcurrentHashMap<>();

    SealedMessages(byte[] key, String node, Clock clock) {
        this.key = key.clone();
        this.node = node;
        this.clock = clock;
        for (Refusal r : Refusal.values()) {
            refused.put(r, new AtomicLong());
            lastLogged.put(r, new AtomicLong(Long.MIN_VALUE / 2));
        }
    }

    /** A message of this node: what the bus publishes. */
    byte[] seal(String kind, JsonNode body) {
        ObjectNode envelope = json.createObjectNode();
        envelope.put("node", node);
        envelope.put("at", clock.millis());
        envelope.put("id", RandomIds.newId());
        envelope.put("kind", kind);
        envelope.set("body", body);
        return sealRaw(json.writeValueAsBytes(envelope));
    }

    /** MAC ‖ bytes; the bytes are any JSON (tests forge messages through here). */
    byte[] sealRaw(byte[] jsonBytes) {
        byte[] mac = ClusterKeys.mac(key, jsonBytes);
        byte[] message = Arrays.copyOf(mac, mac.length + jsonBytes.length);
        System.arraycopy(jsonBytes, 0, message, mac.length, jsonBytes.length);
        return message;
    }

    /**
     * The message if it is authentic, fresh, seen for the first time and from another node; empty otherwise (a
     * refusal is counted, one of this node's own messages is not).
     */
    Optional<Opened> open(byte[] message) {
        if (message == null || message.length <= ClusterKeys.MAC_LENGTH) {
            return refuse(Refusal.MALFORMED);
        }
        byte[] mac = Arrays.copyOf(message, ClusterKeys.MAC_LENGTH);
        byte[] jsonBytes = Arrays.copyOfRange(message, ClusterKeys.MAC_LENGTH, message.length);
        if (!ClusterKeys.verify(key, jsonBytes, mac)) {
            return refuse(Refusal.BAD_MAC);
        }
        JsonNode envelope;
        try {
            envelope = json.readTree(jsonBytes);
        } catch (JacksonException e) {
            return refuse(Refusal.MALFORMED);
        }
        String from = envelope.path("node").asString("");
        String id = envelope.path("id").asString("");
        String kind = envelope.path("kind").asString("");
        JsonNode at = envelope.path("at");
        JsonNode body = envelope.path("body");
        if (from.isEmpty() || id.isEmpty() || kind.isEmpty() || !at.isIntegralNumber() || !body.isObject()) {
            return refuse(Refusal.MALFORMED);
        }
        if (from.equals(node)) {
            return Optional.empty();
        }
        long now = clock.millis();
        long sentAt = at.asLong();
        if (Math.abs(now - sentAt) > WINDOW.toMillis()) {
            return refuse(Refusal.STALE);
        }
        prune(now);
        if (seen.putIfAbsent(from + "/" + id, sentAt) != null) {
            return refuse(Refusal.REPLAYED);
        }
        return Optional.of(new Opened(from, kind, body));
    }

    /** Forgets ids sent before the window: a message that old is refused as stale before its id is looked at. */
    private void prune(long now) {
        long last = lastPrune.get();
        if (now - last >= PRUNE_EVERY_MS && lastPrune.compareAndSet(last, now)) {
            long oldest = now - WINDOW.toMillis();
            seen.values().removeIf(sentAt -> sentAt < oldest);
        }
    }

    private Optional<Opened> refuse(Refusal reason) {
        long count = refused.get(reason).incrementAndGet();
        long now = clock.millis();
        AtomicLong logged = lastLogged.get(reason);
        long last = logged.get();
        if (now - last >= LOG_EVERY_MS && logged.compareAndSet(last, now)) {
            // Never the content: a forged message is the sender's words, a replayed one may name a session.
            log.warn(
                    "Dropped a cluster message: {} ({} so far)",
                    reason.name().toLowerCase(java.util.Locale.ROOT),
                    count);
        }
        return Optional.empty();
    }

    long refused(Refusal reason) {
        return refused.get(reason).get();
    }

    /** Every refusal, whatever its reason. */
    long refused() {
        return refused.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
