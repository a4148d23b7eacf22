package dev.doorward.device.media;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.protocol.Roster;
import dev.doorward.protocol.Roster.Member;
import dev.doorward.protocol.Roster.Role;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/** Member clients with real P-256 keys and a roster of them, as a household's browsers would hold them. */
final class TestHousehold {
    static final SecureRandom RANDOM = new SecureRandom();
    static final String DEVICE_ID = RandomIds.newId(RANDOM);

    /** One member's browser: the private half of its agreement key is what unwraps media keys. */
    record Client(String id, KeyPair signing, KeyPair agreement, Long validUntil) {
        Member member(Role role) {
            return new Member(
                    id,
                    role,
                    Fingerprints.of(signing.getPublic()),
                    b64(signing.getPublic().getEncoded()),
                    b64(agreement.getPublic().getEncoded()),
                    role == Role.OWNER ? null : validUntil);
        }

        /** Unwraps the envelope meant for this client, checking the context the browser expects. */
        byte[] unwrap(Envelope envelope, long mediaEpoch, int slot) throws Exception {
            return MediaKeyWrap.unwrap(
                    new MediaKeyWrap.Context(DEVICE_ID, mediaEpoch, id, slot), envelope, agreement.getPrivate());
        }
    }

    static Client client() {
        return client(null);
    }

    static Client client(Long validUntil) {
        return new Client(RandomIds.newId(RANDOM), KeyPairs.newP256(RANDOM), KeyPairs.newP256(RANDOM), validUntil);
    }

    /** Clients sorted by id, as a roster lists them. */
    static List<Client> sorted(List<Client> clients) {
        List<Client> out = new ArrayList<>(clients);
        out.sort(Comparator.comparing(Client::id));
        return out;
    }

    /** A roster of these clients (sorted); the first in id order is the owner, the others residents. */
    static Roster roster(List<Client> clients) {
        return roster(sorted(clients).get(0), clients);
    }

    /** A roster of these clients (sorted) with this owner, the others guests (with their validity). */
    static Roster roster(Client owner, List<Client> clients) {
        List<Member> members = new ArrayList<>();
        for (Client client : sorted(clients)) {
            members.add(client.member(client == owner ? Role.OWNER : Role.GUEST));
        }
        return new Roster(RandomIds.newId(RANDOM), 1, Roster.NO_PREVIOUS, 1_700_000_000_000L, members);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private TestHousehold() {}
}
