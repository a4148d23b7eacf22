package dev.doorward.hub.link;

import dev.doorward.protocol.LinkMessage;
import java.io.IOException;

/** What a doorbell with a factory certificate may do on its link: claim (implemented by the claim feature). */
public interface ClaimLinks {
    /** A factory link was welcomed: the conversation that gets its messages (all but heartbeats). */
    Conversation welcomed(DeviceLink link);

    /** One factory link's claim, from its first message to the link's end. */
    interface Conversation {
        void message(LinkMessage.FromDevice message) throws IOException;

        void closed();
    }
}
