package dev.doorward.hub.link;

import dev.doorward.hub.device.Devices.Device;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.LinkError;
import java.io.IOException;
import java.security.cert.X509Certificate;

/** One doorbell's connection as a feature sees it while it handles that doorbell's messages. */
public interface DeviceLink {
    /** The owned doorbell; null on a factory link (a doorbell that may only claim). */
    Device device();

    /** The serial number the doorbell's certificate names. */
    String serial();

    /** The client certificate the doorbell connected with. */
    X509Certificate certificate();

    /** This connection's id (a reconnect gets a new one). */
    String linkId();

    /** Who it is, for logs: {@code device:<id>} or {@code serial:<serial>}. */
    String subject();

    void send(LinkMessage message) throws IOException;

    /** Refuses a message; refusals the doorbell caused (all but {@code internal}) close a flooding link. */
    void refuse(LinkError error) throws IOException;

    default void refuse(ErrorCode code, String message) throws IOException {
        refuse(new LinkError(code, message));
    }
}
