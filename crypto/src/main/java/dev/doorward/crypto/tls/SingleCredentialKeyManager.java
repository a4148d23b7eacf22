package dev.doorward.crypto.tls;

import dev.doorward.crypto.pki.Credential;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Always offers the one credential, whatever issuers the peer lists: a Doorward endpoint has exactly one
 * identity at a time and the peer's trust manager, not ours, decides whether it is good enough.
 */
final class SingleCredentialKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = KeyStores.ALIAS;

    private final PrivateKey privateKey;
    private final X509Certificate[] chain;
    private final String keyType;

    SingleCredentialKeyManager(Credential credential) {
        this.privateKey = credential.privateKey();
        this.chain = credential.chain().toArray(X509Certificate[]::new);
        this.keyType = credential.certificate().getPublicKey().getAlgorithm();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? privateKey : null;
    }

    private String choose(String[] keyTypes) {
        if (keyTypes != null) {
            for (String candidate : keyTypes) {
                if (matches(candidate)) {
                    return ALIAS;
                }
            }
        }
        return null;
    }

    private boolean matches(String requested) {
        return keyType.equals(requested);
    }

    @Override
    public String toString() {
        return "SingleCredentialKeyManager[subject="
                + chain[0].getSubjectX500Principal().getName() + ", key=[REDACTED]]";
    }
}
