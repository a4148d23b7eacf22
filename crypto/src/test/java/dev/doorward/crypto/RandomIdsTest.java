package dev.doorward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomIdsTest {

    @Test
    void idsAre22CharactersOfBase64UrlAndDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = RandomIds.newId();
            assertThat(id).hasSize(22).matches("[A-Za-z0-9_-]{22}");
            assertThat(RandomIds.isWellFormedId(id)).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
        assertThat(RandomIds.newId(new SecureRandom())).hasSize(22);
    }

    @Test
    void secretsAre43CharactersOfBase64Url() {
        assertThat(RandomIds.newSecret()).hasSize(43).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void malformedIdsAreRecognised() {
        assertThat(RandomIds.isWellFormedId(null)).isFalse();
        assertThat(RandomIds.isWellFormedId("")).isFalse();
        assertThat(RandomIds.isWellFormedId("a".repeat(21))).isFalse();
        assertThat(RandomIds.isWellFormedId("a".repeat(23))).isFalse();
        assertThat(RandomIds.isWellFormedId("a".repeat(21) + "=")).isFalse();
        assertThat(RandomIds.isWellFormedId("a".repeat(21) + "+")).isFalse();
        assertThat(RandomIds.isWellFormedId("a".repeat(21) + "é")).isFalse();
        assertThat(RandomIds.isWellFormedId("aZ09-_".repeat(3) + "abcd")).isTrue();
    }
}
