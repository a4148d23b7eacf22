package dev.doorward.hub.history;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.link.DeviceMediaParts;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Event media on the device links: the announcements and parts go to {@link MediaUploads}, answers go back. */
@Component
class EventMediaFromDevices implements DeviceLinkFeature, DeviceMediaParts.EventMedia {
    private static final Logger log = LoggerFactory.getLogger(EventMediaFromDevices.class);

    private final MediaUploads uploads;
    private final Notifier notifier;

    EventMediaFromDevices(MediaUploads uploads, Notifier notifier) {
        this.uploads = uploads;
        this.notifier = notifier;
    }

    @Override
    public Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of(LinkMessage.MediaUpload.class);
    }

    @Override
    public void message(DeviceLink link, LinkMessage.FromDevice message) {
        uploads.announced(link.linkId(), (LinkMessage.MediaUpload) message);
    }

    @Override
    public void refusedForRate(DeviceLink link, LinkMessage.FromDevice message) {
        uploads.refusedAnnouncement(link.linkId(), (LinkMessage.MediaUpload) message);
    }

    @Override
    public void linkClosed(String linkId) {
        uploads.closed(linkId);
    }

    @Override
    public void part(DeviceLink session, MediaPart part) throws IOException {
        Device device = session.device();
        MediaUploads.Outcome outcome = uploads.part(session.linkId(), device.id(), part);
        switch (outcome) {
            case MediaUploads.Pending p -> {}
            case MediaUploads.Stored stored -> {
                session.send(stored.reply());
                // Browsers showing this ring (or its history entry) can fetch and open the picture now.
                notifier.toHousehold(
                        device.householdId(),
                        new Notice.EventMediaStored(
                                device.id(),
                                stored.reply().eventId(),
                                stored.reply().kind().wireName()));
            }
            case MediaUploads.Refused refused ->
                session.refuse(LinkError.about(refused.eventId(), ErrorCode.INVALID_FIELD, refused.reason()));
            case MediaUploads.Failed failed -> {
                // A full disk or a database hiccup: not acknowledged, so the doorbell keeps its copy and retries.
                log.error(
                        "Storing event media from {} failed: {}",
                        session.subject(),
                        failed.cause().toString());
                session.refuse(LinkError.about(
                        failed.eventId(), ErrorCode.INTERNAL, "the hub could not store this event media"));
            }
        }
    }
}
