package dev.doorward.hub.mqtt;

import dev.doorward.crypto.tls.BrokerTls;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * An owner or admin connects the household to its MQTT broker (Home Assistant). The password and client key are
 * written, never read back: GET says whether they are set, and how the connection is doing.
 */
@RestController
class MqttController {
    static final int DEFAULT_PORT = 8883;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");
    private static final int MAX_PEM = 64 * 1024;
    private static final int MAX_USERNAME = 256;
    private static final int MAX_PASSWORD = 1024;

    private final Households households;
    private final MqttIntegrations integrations;
    private final MqttChannel channel;
    private final AuditLog audit;

    MqttController(Households households, MqttIntegrations integrations, MqttChannel channel, AuditLog audit) {
        this.households = households;
        this.integrations = integrations;
        this.channel = channel;
        this.audit = audit;
    }

    private void requireAdmin(SignedInAccount account, String householdId) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
    }

    @GetMapping("/api/households/{householdId}/integrations/mqtt")
    Map<String, Object> get(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        requireAdmin(account, householdId);
        return integrations.find(householdId).map(this::view).orElseGet(() -> Map.of("enabled", false));
    }

    /**
     * What the owner may set. {@code password} and {@code clientKey}: null keeps the stored one, empty removes it.
     * {@code brokerCa}: PEM; blank trusts the platform's CAs (a broker with a public certificate).
     */
    record Broker(
            String host,
            Integer port,
            String username,
            String password,
            String brokerCa,
            String clientCertificate,
            String clientKey) {
        @Override
        public String toString() {
            return "Broker[host=" + host + ", port=" + port + ", secrets=[REDACTED]]";
        }
    }

    @PutMapping("/api/households/{householdId}/integrations/mqtt")
    Map<String, Object> put(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @RequestBody Broker broker) {
        requireAdmin(account, householdId);
        var stored = integrations.find(householdId);
        MqttSettings settings = validate(householdId, broker, stored.orElse(null));
        MqttSettings saved = integrations.save(settings);
        channel.connect(saved);
        audit.record(
                householdId,
                "account:" + account.id(),
                stored.isPresent() ? "mqtt-changed" : "mqtt-enabled",
                account.getUsername() + " connected the household to the MQTT broker at " + saved.host() + ":"
                        + saved.port());
        return view(saved);
    }

    @DeleteMapping("/api/households/{householdId}/integrations/mqtt")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        requireAdmin(account, householdId);
        channel.disconnect(householdId);
        if (integrations.delete(householdId)) {
            audit.record(
                    householdId,
                    "account:" + account.id(),
                    "mqtt-disabled",
                    account.getUsername() + " disconnected the household from its MQTT broker");
        }
    }

    private Map<String, Object> view(MqttSettings s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("enabled", true);
        view.put("host", s.host());
        view.put("port", s.port());
        view.put("username", s.username());
        view.put("passwordSet", s.password() != null);
        view.put("brokerCaSet", s.brokerCaPem() != null);
        view.put("clientCertificateSet", s.clientCertificatePem() != null);
        view.put("topicPrefix", "doorward/" + s.topicId());
        BrokerLink.Status status = channel.status(s.householdId()).orElse(BrokerLink.Status.connecting());
        view.put("state", status.state());
        view.put("status", status.detail());
        return view;
    }

    private static MqttSettings validate(String householdId, Broker b, MqttSettings stored) {
        if (b.host() == null || !HOST.matcher(b.host().strip()).matches()) {
            throw new InvalidInput("The broker's host name or address is needed (letters, digits, dots, dashes)");
        }
        int port = b.port() == null ? DEFAULT_PORT : b.port();
        if (port < 1 || port > 65535) {
            throw new InvalidInput("The broker's port is 1..65535 (MQTT over TLS is usually 8883)");
        }
        String username = blankToNull(b.username());
        if (username != null && username.length() > MAX_USERNAME) {
            throw new InvalidInput("The username is too long");
        }
        String password =
                b.password() == null ? (stored == null ? null : stored.password()) : blankToNull(b.password());
        if (password != null && password.length() > MAX_PASSWORD) {
            throw new InvalidInput("The password is too long");
        }
        if (password != null && username == null) {
            throw new InvalidInput("A password needs a username");
        }
        String ca = pem(b.brokerCa(), "broker CA");
        if (ca != null) {
            try {
                BrokerTls.parseCa(ca);
            } catch (IllegalArgumentException e) {
                throw new InvalidInput(e.getMessage());
            }
        }
        String certificate = pem(b.clientCertificate(), "client certificate");
        String key = b.clientKey() == null
                ? (stored == null || certificate == null ? null : stored.clientKeyPem())
                : pem(b.clientKey(), "client key");
        if ((certificate == null) != (key == null)) {
            throw new InvalidInput("A client certificate needs its key, and a key its certificate");
        }
        if (certificate != null) {
            try {
                BrokerTls.clientCertificate(certificate, key);
            } catch (IllegalArgumentException e) {
                throw new InvalidInput(e.getMessage());
            }
        }
        return new MqttSettings(
                householdId, null, b.host().strip(), port, username, password, ca, certificate, key, null);
    }

    private static String pem(String value, String what) {
        String pem = blankToNull(value);
        if (pem != null && pem.length() > MAX_PEM) {
            throw new InvalidInput("The " + what + " is too long");
        }
        return pem;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
