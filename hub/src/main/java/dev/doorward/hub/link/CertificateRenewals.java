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
 * Short-lived operational certificates, renewed over the link for the same device key. Who may renew is
 * {@link Device#mayRenewWith}: the newest certificate, or the previous one while the newest has never been used,
 * so a renewal answer the device never stored cannot lock it out. The previous certificate keeps working until the
 * device first connects with the new one; after that only the newest works, and only it renews.
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
        String presentedSerial = presented.getSerialNumber().toString(16);
        // Read again: the link's copy is from when it connected, and renewals or connections may have come since.
        Device current = devices.byId(device.id()).orElse(null);
        if (current == null || !current.mayRenewWith(presentedSerial)) {
            return new LinkMessage.LinkError(ErrorCode.NOT_ALLOWED, "renew with your newest certificate");
        }
        X509Certificate renewed = pki.issueOperationalCertificate(
                presented.getPublicKey(), device.id(), properties.operationalCertificateValidity());
        if (!devices.renewed(
                current,
                presentedSerial,
                renewed.getSerialNumber().toString(16),
                renewed.getNotAfter().toInstant())) {
            // Another renewal or a connection changed the row since it was read: this certificate is never sent,
            // and the device asks again at its next check.
            return new LinkMessage.LinkError(ErrorCode.INTERNAL, "another renewal came first; ask again later");
        }
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "certificate-renewed",
                "Operational certificate of '" + device.name() + "' renewed until "
                        + renewed.getNotAfter().toInstant());
        return new LinkMessage.CertificateRenewed(Pem.certificate(renewed));
    }
}
