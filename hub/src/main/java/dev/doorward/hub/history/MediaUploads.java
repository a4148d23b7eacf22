package dev.doorward.hub.history;

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

    private record Upload(LinkMessage.MediaUpload announced, ByteArrayOutputStream bytes) {}

    /** What to tell the doorbell after a part: nothing yet, stored, or refused with a reason. */
    public sealed interface Outcome permits Pending, Stored, Refused {}

    public record Pending() implements Outcome {}

    public record Stored(LinkMessage.MediaStored reply) implements Outcome {}

    public record Refused(String reason) implements Outcome {}

    public void announced(String connectionId, LinkMessage.MediaUpload upload) {
        byConnection.put(
                connectionId, new Upload(upload, new ByteArrayOutputStream(Math.min(upload.bytes(), 1 << 20))));
    }

    public Outcome part(String connectionId, String deviceId, MediaPart part) {
        Upload upload = byConnection.get(connectionId);
        if (upload == null || (part.first() != (upload.bytes().size() == 0))) {
            byConnection.remove(connectionId);
            return new Refused("event media part without its upload");
        }
        int size = part.payload().remaining();
        if (upload.bytes().size() + size > upload.announced().bytes()) {
            byConnection.remove(connectionId);
            return new Refused("more event media than announced");
        }
        byte[] chunk = new byte[size];
        part.payload().duplicate().get(chunk);
        upload.bytes().writeBytes(chunk);
        if (!part.last()) {
            return new Pending();
        }
        byConnection.remove(connectionId);
        if (upload.bytes().size() != upload.announced().bytes()) {
            return new Refused("less event media than announced");
        }
        try {
            store.store(
                    deviceId,
                    upload.announced().eventId(),
                    upload.announced().kind(),
                    upload.bytes().toByteArray());
        } catch (EventMediaStore.Refused e) {
            return new Refused(e.getMessage());
        }
        return new Stored(new LinkMessage.MediaStored(
                upload.announced().eventId(), upload.announced().kind()));
    }

    public void closed(String connectionId) {
        byConnection.remove(connectionId);
    }

    Optional<Integer> inProgress(String connectionId) {
        return Optional.ofNullable(byConnection.get(connectionId))
                .map(u -> u.bytes().size());
    }
}
