package dev.doorward.crypto.tls;

import dev.doorward.crypto.pki.Credential;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collection;

/** In-memory PKCS#12 key stores for frameworks that want a KeyStore rather than an SSLContext. */
public final class KeyStores {

    /** The alias of the single key entry in {@link #keyStore}. */
    public static final String ALIAS = "doorward";

    private KeyStores() {}

    public static KeyStore keyStore(Credential credential, char[] password) {
        try {
            KeyStore store = emptyPkcs12();
            store.setKeyEntry(
                    ALIAS, credential.privateKey(), password, credential.chain().toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot build the key store", e);
        }
    }

    /** Trusted-certificate entries only, aliased {@code ca-0}, {@code ca-1}, ... in iteration order. */
    public static KeyStore trustStore(Collection<X509Certificate> trustedCertificates) {
        try {
            KeyStore store = emptyPkcs12();
            int index = 0;
            for (X509Certificate certificate : trustedCertificates) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
            return store;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot build the trust store", e);
        }
    }

    private static KeyStore emptyPkcs12() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create an empty key store", e);
        }
        return store;
    }
}
