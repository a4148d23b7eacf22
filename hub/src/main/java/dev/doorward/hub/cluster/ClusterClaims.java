package dev.doorward.hub.cluster;

import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.hub.claim.ClaimService;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.springframework.context.annotation.Conditional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A claim started in a browser on one node, for a doorbell that connects to another. The claim itself is a row of
 * the shared database; the setup code is only in the memory of the node that issued the ticket, and never travels:
 * the doorbell's node asks that node to run the setup-code proof ({@code claim-respond} with the doorbell's serial,
 * salt and public value; {@code claim-verify} with its evidence) and hears only the proof's public values and
 * whether the doorbell's evidence held. The doorbell's node then registers it, as for a claim of its own.
 */
@Component
@Conditional(Clustered.class)
class ClusterClaims implements ClaimService.ProofElsewhere {
    static final String RESPOND = "claim-respond";
    static final String VERIFY = "claim-verify";
    private static final Duration WITHIN = Duration.ofSeconds(3);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    private final ClusterBus bus;

    ClusterClaims(ClusterBus bus, ClaimService claims) {
        this.bus = bus;
        bus.answer(RESPOND, body -> respondHere(claims, body));
        bus.answer(
                VERIFY,
                body -> JsonNodeFactory.instance
                        .objectNode()
                        .put("holds", claims.verifyForAnotherNode(text(body, "handle"), bytes(body, "evidence"))));
        claims.proveElsewhereWith(this);
    }

    @Override
    public Optional<SetupProof.Challenge> respond(
            String node, String handle, String serial, byte[] salt, byte[] devicePublicValue) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("handle", handle);
        body.put("serial", serial);
        body.put("salt", B64.encodeToString(salt));
        body.put("devicePublicValue", B64.encodeToString(devicePublicValue));
        Optional<JsonNode> answer = bus.ask(node, RESPOND, body, WITHIN).body();
        if (answer.isEmpty() || !answer.get().path("found").asBoolean(false)) {
            return Optional.empty();
        }
        if (answer.get().path("invalid").asBoolean(false)) {
            throw new IllegalArgumentException("the doorbell's proof values are invalid");
        }
        return Optional.of(
                new SetupProof.Challenge(bytes(answer.get(), "hubPublicValue"), bytes(answer.get(), "hubEvidence")));
    }

    @Override
    public boolean verifyDevice(String node, String handle, byte[] deviceEvidence) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("handle", handle);
        body.put("evidence", B64.encodeToString(deviceEvidence));
        return bus.ask(node, VERIFY, body, WITHIN)
                .body()
                .map(answer -> answer.path("holds").asBoolean(false))
                .orElse(false);
    }

    private static JsonNode respondHere(ClaimService claims, JsonNode body) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        try {
            Optional<SetupProof.Challenge> challenge = claims.respondForAnotherNode(
                    text(body, "handle"), text(body, "serial"), bytes(body, "salt"), bytes(body, "devicePublicValue"));
            answer.put("found", challenge.isPresent());
            challenge.ifPresent(c -> answer.put("hubPublicValue", B64.encodeToString(c.hubPublicValue()))
                    .put("hubEvidence", B64.encodeToString(c.hubEvidence())));
        } catch (IllegalArgumentException e) {
            answer.put("found", true).put("invalid", true);
        }
        return answer;
    }

    private static String text(JsonNode body, String field) {
        String value = body.path(field).asString("");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a claim question without its " + field);
        }
        return value;
    }

    private static byte[] bytes(JsonNode body, String field) {
        return UNB64.decode(text(body, field));
    }
}
