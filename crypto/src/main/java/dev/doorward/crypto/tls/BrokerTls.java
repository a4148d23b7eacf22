package dev.doorward.crypto.tls;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS towards a household's own MQTT broker (Home Assistant's Mosquitto): the broker is trusted by the CA the owner
 * gives (or, without one, by the platform's CAs, for a broker with a public certificate), and the hub may present a
 * client certificate the owner gives. Host names are checked by the MQTT client. TLS 1.2 is allowed besides 1.3
 * because the broker is the household's, not ours to upgrade.
 */
public final class BrokerTls {
    /** Do not modify. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private BrokerTls() {}

    /** Checks a CA PEM (one or more certificates) and says what is wrong in words an owner understands. */
    public static List<X509Certificate> parseCa(String caPem) {
        List<X509Certificate> certificates;
        try {
            certificates = Pem.parseCertificates(caPem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The broker CA is not a PEM certificate");
        }
        return certificates;
    }

    /** Trust for the broker: the owner's CA when given, else the platform's CA list. */
    public static TrustManagerFactory trust(String caPemOrNull) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            if (caPemOrNull == null || caPemOrNull.isBlank()) {
                factory.init((KeyStore) null);
            } else {
                factory.init(KeyStores.trustStore(parseCa(caPemOrNull)));
            }
            return factory;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PKIX trust is unavailable", e);
        }
    }

    /**
     * The hub's client certificate for the broker. Refuses a key that does not belong to the certificate, with a
     * message that quotes neither.
     */
    public static KeyManagerFactory clientCertificate(String certificatePem, String privateKeyPem) {
        List<X509Certificate> chain;
        try {
            chain = Pem.parseCertificates(certificatePem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The client certificate is not a PEM certificate");
        }
        PrivateKey key;
        try {
            key = Pem.parsePrivateKey(privateKeyPem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The client key is not an unencrypted PEM private key");
        }
        if (!KeyPairs.matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("The client key does not belong to the client certificate");
        }
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(KeyStores.ALIAS, key, password, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("Cannot hold the client certificate", e);
        }
    }
}
