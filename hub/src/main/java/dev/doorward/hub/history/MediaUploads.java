package dev.doorward.hub.history;

import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Event media arriving on the device links: a {@code media-upload} message, then its parts back to back on
 * the same connection. One upload at a time per connection; an upload cut off (a new one starts, the link
 * drops) is discarded — the doorbell keeps its copy and sends it again whole.
 */
@Component
public class MediaUploads {
    private final EventMediaStore store;
    private final Map<String, Upload> byConnection = new ConcurrentHashMap<>();

    MediaUploads(EventMediaStore store) {
        this.store = store;
    }

    /** An announced upload; {@code bytes} is null for one the hub refused, whose parts are dropped unread. */
    private record Upload(LinkMessage.MediaUpload announced, ByteArrayOutputStream bytes) {
        boolean refused() {
            return bytes == null;
        }
    }

    /**
     * What to tell the doorbell after a part: nothing yet, stored, refused with a reason, or failed (the hub's
     * fault: the doorbell keeps its copy and tries again later). Refusals and failures name the event, so the
     * doorbell moves on to its next object at once instead of waiting.
     */
    public sealed interface Outcome permits Pending, Stored, Refused, Failed {}

    public record Pending() implements Outcome {}

    public record Stored(LinkMessage.MediaStored reply) implements Outcome {}

    /** @param eventId the event of the refused upload; null when the part belongs to no upload */
    public record Refused(String eventId, String reason) implements Outcome {}

    public record Failed(String eventId, RuntimeException cause) implements Outcome {}

    public void announced(String connectionId, LinkMessage.MediaUpload upload) {
        byConnection.put(
                connectionId, new Upload(upload, new ByteArrayOutputStream(Math.min(upload.bytes(), 1 << 20))));
    }

    /**
     * The hub refused this announcement (e.g. rate-limited) and said so: its parts, already on their way, are
     * dropped quietly rather than each refused (which would count as a flood and close the link).
     */
    public void refusedAnnouncement(String connectionId, LinkMessage.MediaUpload upload) {
        byConnection.put(connectionId, new Upload(upload, null));
    }

    public Outcome part(String connectionId, String deviceId, MediaPart part) {
        Upload upload = byConnection.get(connectionId);
        if (upload != null && upload.refused()) {
            if (part.last()) {
                byConnection.remove(connectionId);
            }
            return new Pending();
        }
        if (upload == null || (part.first() != (upload.bytes().size() == 0))) {
            byConnection.remove(connectionId);
            return new Refused(
                    upload == null ? null : upload.announced().eventId(), "event media part without its upload");
        }
        String eventId = upload.announced().eventId();
        int size = part.payload().remaining();
        if (upload.bytes().size() + size > upload.announced().bytes()) {
            byConnection.remove(connectionId);
            return new Refused(eventId, "more event media than announced");
        }
        byte[] chunk = new byte[size];
        part.payload().duplicate().get(chunk);
        upload.bytes().writeBytes(chunk);
        if (!part.last()) {
            return new Pending();
        }
        byConnection.remove(connectionId);
        if (upload.bytes().size() != upload.announced().bytes()) {
            return new Refused(eventId, "less event media than announced");
        }
        try {
            store.store(
                    deviceId, eventId, upload.announced().kind(), upload.bytes().toByteArray());
        } catch (EventMediaStore.Refused e) {
            return new Refused(eventId, e.getMessage());
        } catch (RuntimeException e) {
            return new Failed(eventId, e);
        }
        return new Stored(new LinkMessage.MediaStored(
                upload.announced().eventId(), upload.announced().kind()));
    }

    public void closed(String connectionId) {
        byConnection.remove(connectionId);
    }

    Optional<Integer> inProgress(String connectionId) {
        return Optional.ofNullable(byConnection.get(connectionId))
                .filter(u -> !u.refused())
                .map(u -> u.bytes().size());
    }
}
