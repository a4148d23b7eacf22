package dev.doorward.hub.roster;

import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.hub.account.Accounts;
import dev.doorward.hub.account.ApprovedBrowsers;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.household.Households;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** An approved browser is one listed in the latest signed roster of one of its account's households. */
@Component
class RosterBrowsers implements ApprovedBrowsers {
    private static final int MAX_FIELD_CHARS = 512;

    private final Accounts accounts;
    private final MemberClients clients;
    private final Households households;
    private final Rosters rosters;

    RosterBrowsers(Accounts accounts, MemberClients clients, Households households, Rosters rosters) {
        this.accounts = accounts;
        this.clients = clients;
        this.households = households;
        this.rosters = rosters;
    }

    @Override
    public boolean proves(String username, String csrfToken, String signerPublicKey, String signature) {
        if (csrfToken == null || csrfToken.isEmpty() || csrfToken.length() > MAX_FIELD_CHARS) {
            return false;
        }
        Optional<byte[]> key = base64url(signerPublicKey);
        Optional<byte[]> signed = base64url(signature);
        if (key.isEmpty() || signed.isEmpty()) {
            return false;
        }
        Optional<Accounts.Account> account = accounts.byUsername(username);
        if (account.isEmpty()) {
            return false;
        }
        String accountId = account.get().id();
        Optional<MemberClients.MemberClient> client;
        try {
            client = clients.byFingerprint(Fingerprints.ofSubjectPublicKeyInfo(key.get()))
                    .filter(c -> c.accountId().equals(accountId));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (client.isEmpty() || !approved(accountId, client.get().id())) {
            return false;
        }
        byte[] statement = ApprovedBrowsers.statement(username, csrfToken).getBytes(StandardCharsets.UTF_8);
        return Signatures.verify(key.get(), statement, signed.get());
    }

    private boolean approved(String accountId, String clientId) {
        return households.membershipsOf(accountId).stream()
                .anyMatch(m -> rosters.latest(m.householdId())
                        .map(r -> Roster.parse(r.text()).member(clientId).isPresent())
                        .orElse(false));
    }

    private static Optional<byte[]> base64url(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_FIELD_CHARS) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getUrlDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
