package dev.doorward.hub.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything an operator can set, under {@code doorward.*}. Unknown keys fail at start-up so a typo never
 * silently falls back to a default.
 *
 * @param dataDir where the hub keeps its PKI, embedded database and blobs
 * @param publicHost the host name devices and browsers use to reach the hub (goes into its certificate and
 *     into claim QR codes)
 * @param extraHostNames more names or addresses for the hub's TLS certificate
 * @param devicePort the mutual-TLS port for device links (client certificate required); 0 picks a free one
 * @param livePort the port browsers watch live views on (TLS, the browser port's certificate and session; 0 picks a
 *     free one, -1 serves live views on the browser port only)
 * @param httpRedirectPort a plain-HTTP port that only redirects to HTTPS; negative disables it
 * @param manufacturerCaCertificate PEM file of the manufacturer CA whose device certificates may claim
 * @param database an external PostgreSQL; when its url is blank an embedded PostgreSQL is started
 * @param openSignup whether anyone who can reach the hub may create an account (off by default)
 * @param claimTicketTtl how long a claim QR code stays valid
 * @param operationalCertificateValidity how long a claimed device's operational certificate is valid
 * @param heartbeatSeconds how often devices send a heartbeat
 * @param blobDir where sealed snapshots and clips are stored; unset for {@code <data-dir>/blobs}
 * @param offlineAfter how long a doorbell must be gone before its history says "offline" (a quick reconnect
 *     is not news)
 * @param ntfy members' ntfy / UnifiedPush-style topics (docs/integrations.md)
 */
@Validated
@ConfigurationProperties(prefix = "doorward", ignoreUnknownFields = false)
public record HubProperties(
        @DefaultValue("data") Path dataDir,
        @DefaultValue("localhost") String publicHost,
        @DefaultValue({}) List<String> extraHostNames,
        @DefaultValue("8444") int devicePort,
        @DefaultValue("8445") int livePort,
        @DefaultValue("8080") int httpRedirectPort,
        Path manufacturerCaCertificate,
        @DefaultValue Database database,
        @DefaultValue("false") boolean openSignup,
        @DefaultValue("10m") Duration claimTicketTtl,
        @DefaultValue("7d") Duration operationalCertificateValidity,
        @DefaultValue("30") int heartbeatSeconds,
        Path blobDir,
        @DefaultValue("60s") Duration offlineAfter,
        @DefaultValue Ntfy ntfy) {

    public HubProperties {
        if (manufacturerCaCertificate == null) {
            throw new IllegalArgumentException(
                    "doorward.manufacturer-ca-certificate must name the manufacturer CA certificate (PEM) whose"
                            + " devices this hub accepts");
        }
        if (publicHost == null || publicHost.isBlank()) {
            throw new IllegalArgumentException("doorward.public-host must not be blank");
        }
        if (devicePort < 0 || devicePort > 65535) {
            throw new IllegalArgumentException("doorward.device-port must be 0..65535");
        }
        if (livePort < -1 || livePort > 65535) {
            throw new IllegalArgumentException("doorward.live-port must be 0..65535, or -1 for none");
        }
        if (claimTicketTtl.isNegative() || claimTicketTtl.isZero() || claimTicketTtl.toMinutes() > 60) {
            throw new IllegalArgumentException("doorward.claim-ticket-ttl must be between 1 s and 60 min");
        }
        if (heartbeatSeconds < 5 || heartbeatSeconds > 3600) {
            throw new IllegalArgumentException("doorward.heartbeat-seconds must be 5..3600");
        }
        if (offlineAfter.isNegative() || offlineAfter.toHours() > 24) {
            throw new IllegalArgumentException("doorward.offline-after must be between 0 s and 24 h");
        }
    }

    /** The blob store's directory: {@code blob-dir}, or {@code blobs} under the data directory. */
    public Path blobDirectory() {
        return blobDir != null ? blobDir : dataDir.resolve("blobs");
    }

    /**
     * @param url JDBC URL of an external PostgreSQL, blank for the embedded one
     * @param username user for the external database
     * @param passwordFile file holding the password (never the password itself in configuration)
     */
    public record Database(
            @DefaultValue("") String url, @DefaultValue("") String username, Path passwordFile) {
        public boolean embedded() {
            return url == null || url.isBlank();
        }
    }

    /**
     * Members' ntfy topics (docs/integrations.md).
     *
     * @param allowedHosts topic host names that may resolve to loopback or private addresses (a self-hosted ntfy
     *     on the home network); by name only, never an address
     * @param extraTrustAnchor a PEM file of CA certificates trusted for topic servers besides the platform's (a
     *     self-hosted ntfy with its own CA); unset for the platform's only
     */
    public record Ntfy(@DefaultValue({}) List<String> allowedHosts, Path extraTrustAnchor) {
        public Ntfy {
            for (String host : allowedHosts) {
                if (host.isBlank() || !host.matches("[A-Za-z0-9.-]+") || host.matches("[0-9.]+")) {
                    throw new IllegalArgumentException(
                            "doorward.ntfy.allowed-hosts takes host names, not addresses: " + host);
                }
            }
        }
    }
}
