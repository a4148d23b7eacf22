package dev.doorward.hub.link;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.LinkMessage;
import java.security.cert.X509Certificate;
import org.springframework.stereotype.Component;

/**
 * Short-lived operational certificates, renewed over the link for the same device key. The previous
 * certificate keeps working until the device first connects with the new one, so a renewal the device never
 * stored cannot lock it out; after that only the newest works.
 */
@Component
class CertificateRenewals {
    private final HubPki pki;
    private final Devices devices;
    private final HubProperties properties;
    private final AuditLog audit;

    CertificateRenewals(HubPki pki, Devices devices, HubProperties properties, AuditLog audit) {
        this.pki = pki;
        this.devices = devices;
        this.properties = properties;
        this.audit = audit;
    }

    LinkMessage.FromHub renew(Device device, X509Certificate presented) {
        Device current = devices.byId(device.id()).orElse(null);
        if (current == null
                || !current.certificateSerial()
                        .equals(presented.getSerialNumber().toString(16))) {
            // Only the newest certificate may renew: an older copy of the device's credential cannot extend itself.
            return new LinkMessage.LinkError(ErrorCode.NOT_ALLOWED, "renew with your newest certificate");
        }
        X509Certificate renewed = pki.issueOperationalCertificate(
                presented.getPublicKey(), device.id(), properties.operationalCertificateValidity());
        devices.renewed(
                device.id(),
                renewed.getSerialNumber().toString(16),
                renewed.getNotAfter().toInstant());
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "certificate-renewed",
                "Operational certificate of '" + device.name() + "' renewed until "
                        + renewed.getNotAfter().toInstant());
        return new LinkMessage.CertificateRenewed(Pem.certificate(renewed));
    }
}
