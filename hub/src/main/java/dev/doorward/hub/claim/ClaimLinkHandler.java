package dev.doorward.hub.claim;

import dev.doorward.hub.link.ClaimLinks;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.LinkError;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The link of a doorbell with a factory certificate: one claim attempt, run by {@link ClaimService}. */
@Component
class ClaimLinkHandler implements ClaimLinks {
    private static final Logger log = LoggerFactory.getLogger(ClaimLinkHandler.class);

    private final ClaimService claims;

    ClaimLinkHandler(ClaimService claims) {
        this.claims = claims;
    }

    @Override
    public Conversation welcomed(DeviceLink link) {
        return new ClaimConversation(link);
    }

    /** Touched only by the link's own thread, one message at a time. */
    private final class ClaimConversation implements Conversation {
        private final DeviceLink session;
        /** A claim between claim-request and its end. */
        private ClaimService.InProgress claim;
        /** A claim session gets one attempt. */
        private boolean claimAttempted;
        /** The device registered by this claim session, until the doorbell is known to have accepted it. */
        private String claimedDeviceId;

        ClaimConversation(DeviceLink session) {
            this.session = session;
        }

        @Override
        public void message(LinkMessage.FromDevice message) throws IOException {
            if (message instanceof ClaimRequest request && !claimAttempted) {
                claimAttempted = true;
                ClaimService.Step step = claims.onClaimRequest(session.serial(), session.certificate(), request);
                claim = step.next();
                session.send(step.reply());
            } else if (message instanceof ClaimConfirm confirm && claim != null) {
                ClaimService.InProgress progress = claim;
                claim = null;
                LinkMessage.FromHub reply =
                        claims.onClaimConfirm(progress, confirm).reply();
                if (reply instanceof LinkMessage.ClaimAccepted accepted) {
                    claimedDeviceId = accepted.deviceId();
                }
                session.send(reply);
            } else if (message instanceof ClaimRefused refused && claim != null) {
                ClaimService.InProgress progress = claim;
                claim = null;
                claims.onDeviceRefused(progress, refused.reason());
            } else if (message instanceof LinkError error && claimedDeviceId != null) {
                // The doorbell refused our claim result (certificate or CA did not check out): it stays
                // factory-new, so the hub must not keep it registered either.
                claims.onClaimResultRefused(claimedDeviceId, session.serial());
                claimedDeviceId = null;
            } else if (message instanceof LinkError error) {
                log.debug("Device {} reported {}", session.subject(), error.code());
            } else {
                session.refuse(ErrorCode.NOT_ALLOWED, "not allowed in this claim state");
            }
        }

        @Override
        public void closed() {
            if (claim != null) {
                claims.onAbandoned(claim);
            }
        }
    }
}
