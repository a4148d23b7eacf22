package dev.doorward.bench;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.tls.KeyStores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The simulated doorbells: one device id and one operational certificate (issued by the hub CA) each. For
 * speed the whole fleet shares ONE P-256 key pair: every certificate is distinct (own CN = device id, own
 * serial), only the key is reused, which changes nothing the hub checks or the cost of a handshake.
 */
public record Fleet(PrivateKey key, X509Certificate hubCa, List<String> ids, List<X509Certificate> certificates) {
    private static final String FILE = "fleet.txt";

    public int size() {
        return ids.size();
    }

    public static Fleet mint(CertificateAuthority hubCa, int count) {
        SecureRandom random = new SecureRandom();
        KeyPair pair = KeyPairs.newP256(random);
        String[] ids = new String[count];
        X509Certificate[] certs = new X509Certificate[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            ids[i] = RandomIds.newId();
            certs[i] = hubCa.issueOperationalCertificate(pair.getPublic(), ids[i], Duration.ofDays(30));
        });
        return new Fleet(pair.getPrivate(), hubCa.certificate(), List.of(ids), List.of(certs));
    }

    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("key.pem"), Pem.privateKey(key));
            Files.writeString(dir.resolve("hub-ca.crt"), Pem.certificate(hubCa));
            StringBuilder lines = new StringBuilder();
            Base64.Encoder b64 = Base64.getEncoder();
            for (int i = 0; i < ids.size(); i++) {
                lines.append(ids.get(i))
                        .append('\t')
                        .append(b64.encodeToString(certificates.get(i).getEncoded()))
                        .append('\n');
            }
            Files.writeString(dir.resolve(FILE), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Fleet load(Path dir) {
        try {
            PrivateKey key = Pem.parsePrivateKey(Files.readString(dir.resolve("key.pem")));
            X509Certificate ca = Pem.parseCertificate(Files.readString(dir.resolve("hub-ca.crt")));
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<String> ids = new ArrayList<>();
            List<X509Certificate> certs = new ArrayList<>();
            Base64.Decoder b64 = Base64.getDecoder();
            for (String line : Files.readAllLines(dir.resolve(FILE))) {
                if (line.isBlank()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                ids.add(line.substring(0, tab));
                certs.add((X509Certificate)
                        factory.generateCertificate(new ByteArrayInputStream(b64.decode(line.substring(tab + 1)))));
            }
            return new Fleet(key, ca, List.copyOf(ids), List.copyOf(certs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trusts only the hub CA. */
    public TrustManager[] trustManagers() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(KeyStores.trustStore(List.of(hubCa)));
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One TLS context for the whole fleet; {@link Identities#assign} says which device an engine is. */
    public Identities identities() {
        return new Identities(this);
    }

    /** A key manager that presents, per engine, the certificate of the device assigned to it. */
    public static final class Identities extends X509ExtendedKeyManager {
        private final Fleet fleet;
        private final Map<SSLEngine, Integer> assigned = new ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong certificatesPresented =
                new java.util.concurrent.atomic.AtomicLong();
        private final SSLContext context;

        Identities(Fleet fleet) {
            this.fleet = fleet;
            try {
                context = SSLContext.getInstance("TLSv1.3");
                context.init(new KeyManager[] {this}, fleet.trustManagers(), null);
                // Room for a resumable session per device (the JDK keeps 20 480 by default).
                context.getClientSessionContext().setSessionCacheSize(0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public SSLContext context() {
            return context;
        }

        /** How many full handshakes (client certificate sent) engines of this context made so far. */
        public long certificatesPresented() {
            return certificatesPresented.get();
        }

        public void assign(SSLEngine engine, int device) {
            assigned.put(engine, device);
        }

        public void release(SSLEngine engine) {
            assigned.remove(engine);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            // Asked only when the server requests a certificate: in a full handshake, never in a resumed one.
            certificatesPresented.incrementAndGet();
            Integer device = assigned.get(engine);
            return device == null ? null : Integer.toString(device);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {fleet.certificates().get(Integer.parseInt(alias))};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return fleet.key();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
