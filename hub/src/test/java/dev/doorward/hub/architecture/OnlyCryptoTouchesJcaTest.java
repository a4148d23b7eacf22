package dev.doorward.hub.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * "Only the crypto module touches JCA and BouncyCastle" (DESIGN §2), checked over the main sources of every other
 * module: ciphers, MACs, digests, signatures, key generation and parsing, key stores and certificate parsing go through
 * {@code dev.doorward.crypto}. Types that only carry keys and certificates around (X509Certificate, PublicKey,
 * SecureRandom …) are fine anywhere.
 */
class OnlyCryptoTouchesJcaTest {
    private static final Pattern JCA = Pattern.compile("\\b(javax\\.crypto\\.[\\w.]+"
            + "|org\\.bouncycastle\\.[\\w.]+"
            + "|java\\.security\\.spec\\.[\\w.]+"
            + "|java\\.security\\.(MessageDigest|Signature|KeyPairGenerator|KeyFactory|KeyStore|AlgorithmParameters)"
            + "|java\\.security\\.cert\\.(CertificateFactory|CertPathValidator|CertPathBuilder))\\b");

    /**
     * The product's modules (the repository root is the hub module's parent). The bench is a load generator that
     * imitates doorbells and browsers, not product code.
     */
    private static final List<String> MODULES = List.of("protocol", "device", "hub");

    @Test
    void noModuleButCryptoUsesJcaOrBouncyCastle() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> found = new ArrayList<>();
        for (String module : MODULES) {
            Path sources = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(file -> {
                    try {
                        Matcher m = JCA.matcher(Files.readString(file));
                        while (m.find()) {
                            found.add(root.relativize(file) + ": " + m.group(1));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        assertThat(Files.isDirectory(root.resolve("hub/src/main/java")))
                .as("run from the hub module")
                .isTrue();
        assertThat(found).as("JCA outside the crypto module").isEmpty();
    }
}
