package dev.doorward.hub.mqtt;

/**
 * A household's broker as its owner set it, secrets opened (only in memory, never logged: see {@link #toString()}).
 *
 * @param topicId the random id in every topic of this integration
 * @param brokerCaPem the broker's CA; null to trust the platform's CAs (a broker with a public certificate)
 * @param clientCertificatePem with {@code clientKeyPem}: the hub's certificate for the broker; both null for none
 * @param updatedAt when the owner last saved them (null before they are stored): a cluster's link holder reconnects
 *     when it changes
 */
record MqttSettings(
        String householdId,
        String topicId,
        String host,
        int port,
        String username,
        String password,
        String brokerCaPem,
        String clientCertificatePem,
        String clientKeyPem,
        java.time.Instant updatedAt) {

    @Override
    public String toString() {
        return "MqttSettings[household=" + householdId + ", broker=" + host + ":" + port + ", username="
                + (username == null ? "none" : "set") + ", password=[REDACTED], clientKey=[REDACTED]]";
    }
}
