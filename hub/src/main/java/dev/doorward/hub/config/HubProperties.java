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
 * @param addresses the address each port listens on (every address of the machine unless set)
 * @param manufacturerCaCertificate PEM file of the manufacturer CA whose device certificates may claim
 * @param database an external PostgreSQL; when its url is blank an embedded PostgreSQL is started
 * @param openSignup whether anyone who can reach the hub may create an account (off by default)
 * @param claimTicketTtl how long a claim QR code stays valid
 * @param operationalCertificateValidity how long a claimed device's operational certificate is valid
 * @param heartbeatSeconds how often devices send a heartbeat
 * @param blobDir where sealed snapshots and clips are stored; unset for {@code <data-dir>/blobs}
 * @param offlineAfter how long a doorbell must be gone before its history says "offline" (a quick reconnect
 *     is not news)
 * @param sessions how long a signed-in browser stays signed in
 * @param backup scheduled encrypted backups (off unless a directory is set; docs/operations.md)
 * @param push Web Push to members' browsers and phones (docs/notifications.md)
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
        @DefaultValue Addresses addresses,
        Path manufacturerCaCertificate,
        @DefaultValue Database database,
        @DefaultValue("false") boolean openSignup,
        @DefaultValue("10m") Duration claimTicketTtl,
        @DefaultValue("7d") Duration operationalCertificateValidity,
        @DefaultValue("30") int heartbeatSeconds,
        Path blobDir,
        @DefaultValue("60s") Duration offlineAfter,
        @DefaultValue Sessions sessions,
        @DefaultValue Backup backup,
        @DefaultValue Push push,
        @DefaultValue Ntfy ntfy,
        @DefaultValue Cluster cluster) {

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

    /**
     * A browser stays signed in while it is used at least once per {@code idle} period (sliding), and never longer
     * than {@code absolute} after it signed in; then its member signs in again (docs/security.md "Sessions").
     *
     * @param idle how long a signed-in browser may go unused before it is signed out
     * @param absolute how long after signing in a browser is signed out however much it is used
     */
    public record Sessions(
            @DefaultValue("30d") Duration idle,
            @DefaultValue("90d") Duration absolute) {
        public Sessions {
            if (idle.compareTo(Duration.ofMinutes(1)) < 0 || idle.compareTo(Duration.ofDays(365)) > 0) {
                throw new IllegalArgumentException("doorward.sessions.idle must be between 1 min and 365 d");
            }
            if (absolute.compareTo(idle) < 0 || absolute.compareTo(Duration.ofDays(365)) > 0) {
                throw new IllegalArgumentException(
                        "doorward.sessions.absolute must be at least doorward.sessions.idle and at most 365 d");
            }
        }
    }

    /** The blob store's directory: {@code blob-dir}, or {@code blobs} under the data directory. */
    public Path blobDirectory() {
        return blobDir != null ? blobDir : dataDir.resolve("blobs");
    }

    /**
     * The address each port listens on: an IP address of this machine (e.g. {@code 127.0.0.1} behind a reverse proxy
     * on the same machine, or one LAN address), or blank for every address. Blank by default.
     *
     * @param browser the browser port ({@code server.port})
     * @param device the device port
     * @param live the live port
     * @param httpRedirect the plain-HTTP redirect port
     */
    public record Addresses(
            @DefaultValue("") String browser,
            @DefaultValue("") String device,
            @DefaultValue("") String live,
            @DefaultValue("") String httpRedirect) {
        public Addresses {
            browserAddress();
            deviceAddress();
            liveAddress();
            httpRedirectAddress();
        }

        public java.net.InetAddress browserAddress() {
            return literal("browser", browser);
        }

        public java.net.InetAddress deviceAddress() {
            return literal("device", device);
        }

        public java.net.InetAddress liveAddress() {
            return literal("live", live);
        }

        public java.net.InetAddress httpRedirectAddress() {
            return literal("http-redirect", httpRedirect);
        }

        /** The address, or null for every address. Only IP literals: a name would need a lookup at start-up. */
        private static java.net.InetAddress literal(String port, String text) {
            if (text == null || text.isBlank()) {
                return null;
            }
            String address = text.strip();
            if (!address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                throw new IllegalArgumentException(
                        "doorward.addresses." + port + " must be an IP address (like 127.0.0.1 or ::1), or blank"
                                + " for every address; not '" + address + "'");
            }
            try {
                // A literal: no name lookup happens.
                return java.net.InetAddress.getByName(address);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(
                        "doorward.addresses." + port + " is not a valid IP address: '" + address + "'");
            }
        }
    }

    /**
     * One node of a cluster of hubs sharing one PostgreSQL and a NATS cluster (docs/cluster.md). Unset
     * {@code nats-urls}: a single hub, and nothing here applies.
     *
     * @param natsUrls the NATS servers this node connects to ({@code nats://host:port}), any of the cluster's
     * @param nodeName this node's name, unique in the cluster (letters, digits, '-'; at most 32)
     * @param joinSecretFile file (mode 0600, the same on every node) holding the join secret: a node without it
     *     cannot reach the other nodes' messages or open the shared hub keys
     * @param trustedProxies addresses of the load balancers (HAProxy) whose PROXY protocol v2 header this node
     *     believes for a connection's client address; empty: no PROXY header is accepted
     */
    public record Cluster(
            @DefaultValue({}) List<String> natsUrls,
            @DefaultValue("") String nodeName,
            Path joinSecretFile,
            @DefaultValue({}) List<String> trustedProxies) {
        public Cluster {
            if (!natsUrls.isEmpty()) {
                if (!nodeName.matches("[A-Za-z0-9-]{1,32}")) {
                    throw new IllegalArgumentException(
                            "doorward.cluster.node-name must be 1-32 letters, digits or '-' when doorward.cluster.nats-urls is set");
                }
                if (joinSecretFile == null) {
                    throw new IllegalArgumentException(
                            "doorward.cluster.join-secret-file must name the join secret file when doorward.cluster.nats-urls is set");
                }
            }
        }

        public boolean clustered() {
            return !natsUrls.isEmpty();
        }
    }

    /**
     * @param url JDBC URL of an external PostgreSQL, blank for the embedded one
     * @param username user for the external database
     * @param passwordFile file holding the password (never the password itself in configuration)
     * @param binariesDir where the embedded PostgreSQL's programs are unpacked (a directory only the hub's user may
     *     write); unset for {@code <data-dir>/postgres-binaries}
     */
    public record Database(
            @DefaultValue("") String url, @DefaultValue("") String username, Path passwordFile, Path binariesDir) {
        public boolean embedded() {
            return url == null || url.isBlank();
        }

        /** {@code binaries-dir}, or {@code postgres-binaries} under the hub's data directory. */
        public Path binariesDirectory(HubProperties hub) {
            return binariesDir != null ? binariesDir : hub.dataDir().resolve("postgres-binaries");
        }
    }

    /**
     * @param directory where scheduled backups are written; unset means no scheduled backups
     * @param interval time between two backups
     * @param keep how many of the newest backups to keep in the directory (older ones are deleted)
     * @param passphraseFile file (mode 0600) holding the passphrase the archives are sealed with
     */
    public record Backup(
            Path directory,
            @DefaultValue("1d") Duration interval,
            @DefaultValue("7") int keep,
            Path passphraseFile) {
        public Backup {
            if (directory != null) {
                if (passphraseFile == null) {
                    throw new IllegalArgumentException(
                            "doorward.backup.passphrase-file must name the passphrase file when doorward.backup.directory"
                                    + " is set");
                }
                if (interval.toMinutes() < 1) {
                    throw new IllegalArgumentException("doorward.backup.interval must be at least 1 minute");
                }
                if (keep < 1 || keep > 1000) {
                    throw new IllegalArgumentException("doorward.backup.keep must be 1..1000");
                }
            }
        }

        public boolean scheduled() {
            return directory != null;
        }
    }

    /**
     * Web Push (docs/notifications.md).
     *
     * @param allowedHosts push-service host names that may resolve to loopback or private addresses (a
     *     self-hosted push service); by name only, never an address
     * @param extraTrustAnchor a PEM file of CA certificates trusted for push services besides the platform's
     *     (a self-hosted push service with its own CA); unset for the platform's only
     * @param contact the VAPID {@code sub}: a {@code mailto:} or {@code https:} URI a push service may use to
     *     reach the hub's operator; blank for {@code mailto:doorward@<public-host>}
     * @param queueCapacity how many pushes may wait; more are dropped (and counted) rather than slow a ring
     * @param workers threads that encrypt and send
     * @param connectTimeout to a push service
     * @param readTimeout for a push service's answer
     * @param maxAttempts per message, the first included, for 429 and 5xx answers and network errors
     * @param maxRetryAfter the longest {@code Retry-After} honoured; a message that must wait longer is dropped
     */
    public record Push(
            @DefaultValue({}) List<String> allowedHosts,
            Path extraTrustAnchor,
            @DefaultValue("") String contact,
            @DefaultValue("1000") int queueCapacity,
            @DefaultValue("2") int workers,
            @DefaultValue("5s") Duration connectTimeout,
            @DefaultValue("10s") Duration readTimeout,
            @DefaultValue("4") int maxAttempts,
            @DefaultValue("60s") Duration maxRetryAfter) {
        public Push {
            for (String host : allowedHosts) {
                if (host.isBlank() || !host.matches("[A-Za-z0-9.-]+") || host.matches("[0-9.]+")) {
                    throw new IllegalArgumentException(
                            "doorward.push.allowed-hosts takes host names, not addresses: " + host);
                }
            }
            if (queueCapacity < 1 || queueCapacity > 1_000_000) {
                throw new IllegalArgumentException("doorward.push.queue-capacity must be 1..1000000");
            }
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("doorward.push.workers must be 1..64");
            }
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("doorward.push.max-attempts must be 1..10");
            }
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || readTimeout.isNegative()
                    || readTimeout.isZero()) {
                throw new IllegalArgumentException("doorward.push timeouts must be positive");
            }
            if (!contact.isBlank() && !contact.matches("(mailto:|https://)[\\x21-\\x7e&&[^\"\\\\]]+")) {
                throw new IllegalArgumentException("doorward.push.contact must be a mailto: or https: URI");
            }
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
