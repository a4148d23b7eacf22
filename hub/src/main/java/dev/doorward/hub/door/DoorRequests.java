package dev.doorward.hub.door;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.protocol.LinkMessage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/** Door requests waiting for their doorbell's answer, matched by a random request id and the device. */
@Component
public class DoorRequests implements DeviceLinkFeature {
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private record Pending(String deviceId, CompletableFuture<LinkMessage.FromDevice> answer) {}

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /** Where a doorbell's answer to a request made on another cluster node goes; null on a single hub. */
    public interface AnswersElsewhere {
        void answered(String deviceId, String requestId, LinkMessage.FromDevice answer);
    }

    private volatile AnswersElsewhere elsewhere;

    /**
     * Set once by a cluster node: an answer this node has no request for is handed on, since the request may have
     * been made on another node and carried here to the doorbell's link.
     */
    public void forwardOthersTo(AnswersElsewhere forward) {
        this.elsewhere = forward;
    }

    /**
     * Sends a request made with a fresh request id and waits for the doorbell's answer; empty if it does not
     * answer in time or could not be reached.
     */
    <T extends LinkMessage.FromDevice> java.util.Optional<T> ask(
            String deviceId, Function<String, Boolean> send, Class<T> answerType) {
        String requestId = RandomIds.newId();
        Pending request = new Pending(deviceId, new CompletableFuture<>());
        pending.put(requestId, request);
        try {
            if (!send.apply(requestId)) {
                return java.util.Optional.empty();
            }
            LinkMessage.FromDevice answer = request.answer().get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            return answerType.isInstance(answer)
                    ? java.util.Optional.of(answerType.cast(answer))
                    : java.util.Optional.empty();
        } catch (TimeoutException | ExecutionException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        } finally {
            pending.remove(requestId);
        }
    }

    /**
     * An answer from a doorbell (on this node's link, or carried from another node's); true when it answers a request
     * made here to that very doorbell, ignored otherwise.
     */
    public boolean answered(String deviceId, String requestId, LinkMessage.FromDevice answer) {
        Pending request = pending.get(requestId);
        if (request != null && request.deviceId().equals(deviceId)) {
            request.answer().complete(answer);
            return true;
        }
        return false;
    }

    /** An answer on this node's own link: one this node did not ask for may be another node's. */
    private void answeredHere(String deviceId, String requestId, LinkMessage.FromDevice answer) {
        AnswersElsewhere forward = elsewhere;
        if (!answered(deviceId, requestId, answer) && forward != null) {
            forward.answered(deviceId, requestId, answer);
        }
    }

    // ---- the device links: a doorbell's answers

    @Override
    public Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of(LinkMessage.DoorNonce.class, LinkMessage.DoorResult.class);
    }

    @Override
    public void message(DeviceLink link, LinkMessage.FromDevice message) {
        switch (message) {
            case LinkMessage.DoorNonce nonce -> answeredHere(link.device().id(), nonce.requestId(), nonce);
            case LinkMessage.DoorResult result -> answeredHere(link.device().id(), result.requestId(), result);
            default -> throw new IllegalArgumentException("not a door message");
        }
    }
}
