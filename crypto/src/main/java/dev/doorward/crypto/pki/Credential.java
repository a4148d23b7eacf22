package dev.doorward.crypto.pki;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A private key with its certificate chain (leaf first). The key never appears in {@link #toString()}.
 */
public record Credential(PrivateKey privateKey, List<X509Certificate> chain) {

    public Credential {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(chain, "chain");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("A credential needs at least one certificate");
        }
        chain = List.copyOf(chain);
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** Writes the chain and the key; the key file is owner-only and both are replaced atomically. */
    public void save(Path certPem, Path keyPem) {
        // Key first: a reader that finds the certificate also finds a matching key.
        SecureFiles.writeSecret(keyPem, Pem.privateKey(privateKey));
        SecureFiles.writePublic(certPem, Pem.certificates(chain));
    }

    /** Reads a chain (leaf first) and its key, refusing a key that does not belong to the leaf. */
    public static Credential load(Path certPem, Path keyPem) {
        List<X509Certificate> chain = Pem.parseCertificates(SecureFiles.read(certPem));
        PrivateKey key = Pem.parsePrivateKey(SecureFiles.read(keyPem));
        if (!KeyPairs.matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("The private key in " + keyPem + " does not match the certificate");
        }
        return new Credential(key, chain);
    }

    @Override
    public String toString() {
        return "Credential[subject=" + certificate().getSubjectX500Principal().getName() + ", key=[REDACTED]]";
    }
}
