package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.web.webauthn.api.AuthenticatorSelectionCriteria;
import org.springframework.security.web.webauthn.api.Bytes;
import org.springframework.security.web.webauthn.api.ImmutablePublicKeyCredentialUserEntity;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialCreationOptions;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialParameters;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialRpEntity;
import org.springframework.security.web.webauthn.api.ResidentKeyRequirement;
import org.springframework.security.web.webauthn.api.UserVerificationRequirement;
import org.springframework.security.web.webauthn.registration.PublicKeyCredentialCreationOptionsRepository;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The passkey registration a signed-in browser has started (its challenge), between {@code POST
 * /webauthn/register/options} and {@code POST /webauthn/register}. Spring keeps it in the HTTP session by default,
 * but its options are not {@code Serializable}, and Spring Security's Jackson support writes them for browsers
 * without reading them back. So a row of PostgreSQL keeps what the registration is checked against (the challenge,
 * the relying party, the user, the user-verification rule and the allowed algorithms), per session (by the hash of
 * its id), for five minutes at most, spent by the registration. Every node of a cluster reads the same rows: the
 * options may come from one node and the answer go to another.
 */
final class PasskeyCeremonies implements PublicKeyCredentialCreationOptionsRepository {
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    /** The algorithms a ceremony can name, by their COSE number (PublicKeyCredentialParameters has no lookup). */
    private static final Map<Long, PublicKeyCredentialParameters> ALGORITHMS = Map.of(
            -7L, PublicKeyCredentialParameters.ES256,
            -35L, PublicKeyCredentialParameters.ES384,
            -36L, PublicKeyCredentialParameters.ES512,
            -8L, PublicKeyCredentialParameters.EdDSA,
            -257L, PublicKeyCredentialParameters.RS256,
            -258L, PublicKeyCredentialParameters.RS384,
            -259L, PublicKeyCredentialParameters.RS512,
            -65535L, PublicKeyCredentialParameters.RS1);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    PasskeyCeremonies(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void save(
            HttpServletRequest request, HttpServletResponse response, PublicKeyCredentialCreationOptions options) {
        HttpSession session = request.getSession(options != null);
        if (session == null) {
            return;
        }
        Instant now = clock.instant();
        jdbc.sql("delete from passkey_ceremonies where expires_at < :now")
                .param("now", Timestamp.from(now))
                .update();
        byte[] key = key(session);
        if (options == null) {
            jdbc.sql("delete from passkey_ceremonies where session_hash = :key")
                    .param("key", key)
                    .update();
            return;
        }
        jdbc.sql("""
                        insert into passkey_ceremonies (session_hash, options, expires_at) values (:key, :options, :until)
                        on conflict (session_hash) do update set options = excluded.options,
                            expires_at = excluded.expires_at
                        """)
                .param("key", key)
                .param("options", json.writeValueAsString(write(options)))
                .param("until", Timestamp.from(now.plus(LIFETIME)))
                .update();
    }

    @Override
    public PublicKeyCredentialCreationOptions load(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return null;
        }
        return jdbc.sql("select options from passkey_ceremonies where session_hash = :key and expires_at > :now")
                .param("key", key(session))
                .param("now", Timestamp.from(clock.instant()))
                .query(String.class)
                .optional()
                .map(text -> read(json.readTree(text)))
                .orElse(null);
    }

    /** The session's id is a bearer secret: only its hash is a key here. */
    private static byte[] key(HttpSession session) {
        return Hashes.sha256(session.getId().getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode write(PublicKeyCredentialCreationOptions options) {
        ObjectNode node = json.createObjectNode();
        node.put("rpId", options.getRp().getId());
        node.put("rpName", options.getRp().getName());
        node.put("userId", options.getUser().getId().toBase64UrlString());
        node.put("userName", options.getUser().getName());
        node.put("userDisplayName", options.getUser().getDisplayName());
        node.put("challenge", options.getChallenge().toBase64UrlString());
        if (options.getTimeout() != null) {
            node.put("timeoutMillis", options.getTimeout().toMillis());
        }
        AuthenticatorSelectionCriteria selection = options.getAuthenticatorSelection();
        if (selection != null && selection.getUserVerification() != null) {
            node.put("userVerification", selection.getUserVerification().getValue());
        }
        if (selection != null && selection.getResidentKey() != null) {
            node.put("residentKey", selection.getResidentKey().getValue());
        }
        var algorithms = node.putArray("algorithms");
        options.getPubKeyCredParams().forEach(p -> algorithms.add(p.getAlg().getValue()));
        return node;
    }

    private static PublicKeyCredentialCreationOptions read(JsonNode node) {
        AuthenticatorSelectionCriteria.AuthenticatorSelectionCriteriaBuilder selection =
                AuthenticatorSelectionCriteria.builder();
        switch (node.path("userVerification").asString("")) {
            case "required" -> selection.userVerification(UserVerificationRequirement.REQUIRED);
            case "preferred" -> selection.userVerification(UserVerificationRequirement.PREFERRED);
            case "discouraged" -> selection.userVerification(UserVerificationRequirement.DISCOURAGED);
            default -> {
                // none named: the default
            }
        }
        if (node.hasNonNull("residentKey")) {
            selection.residentKey(
                    ResidentKeyRequirement.valueOf(node.path("residentKey").asString()));
        }
        List<PublicKeyCredentialParameters> algorithms = new ArrayList<>();
        node.path("algorithms").forEach(alg -> {
            PublicKeyCredentialParameters known = ALGORITHMS.get(alg.asLong());
            if (known != null) {
                algorithms.add(known);
            }
        });
        PublicKeyCredentialCreationOptions.PublicKeyCredentialCreationOptionsBuilder options =
                PublicKeyCredentialCreationOptions.builder()
                        .rp(PublicKeyCredentialRpEntity.builder()
                                .id(node.path("rpId").asString())
                                .name(node.path("rpName").asString())
                                .build())
                        .user(ImmutablePublicKeyCredentialUserEntity.builder()
                                .id(Bytes.fromBase64(node.path("userId").asString()))
                                .name(node.path("userName").asString())
                                .displayName(node.path("userDisplayName").asString())
                                .build())
                        .challenge(Bytes.fromBase64(node.path("challenge").asString()))
                        .pubKeyCredParams(algorithms)
                        .authenticatorSelection(selection.build());
        if (node.hasNonNull("timeoutMillis")) {
            options.timeout(Duration.ofMillis(node.path("timeoutMillis").asLong()));
        }
        return options.build();
    }
}
