package dev.doorward.crypto.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/** PEM text for certificates and PKCS#8 private keys. */
public final class Pem {

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final String EC_PRIVATE_KEY = "EC PRIVATE KEY";
    private static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";

    private Pem() {}

    public static String certificate(X509Certificate certificate) {
        try {
            return encode(CERTIFICATE, certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("The certificate cannot be encoded", e);
        }
    }

    /** A chain in the order given (leaf first, by convention). */
    public static String certificates(List<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            pem.append(certificate(certificate));
        }
        return pem.toString();
    }

    /** Exactly one certificate; use {@link #parseCertificates} for a chain. */
    public static X509Certificate parseCertificate(String pem) {
        List<X509Certificate> certificates = parseCertificates(pem);
        if (certificates.size() != 1) {
            throw new IllegalArgumentException("Expected exactly one PEM certificate, found " + certificates.size());
        }
        return certificates.get(0);
    }

    /** All certificates in order; anything other than CERTIFICATE blocks is refused. */
    public static List<X509Certificate> parseCertificates(String pem) {
        if (pem == null) {
            throw new IllegalArgumentException("No PEM certificate given");
        }
        List<PemObject> objects = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            PemObject object;
            while ((object = reader.readPemObject()) != null) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Malformed PEM certificate", e);
        }
        if (objects.isEmpty()) {
            throw new IllegalArgumentException("No PEM certificate found");
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (PemObject object : objects) {
            if (!CERTIFICATE.equals(object.getType())) {
                throw new IllegalArgumentException("Expected PEM type CERTIFICATE but found " + object.getType());
            }
            certificates.add(decodeCertificate(object.getContent()));
        }
        return List.copyOf(certificates);
    }

    private static X509Certificate decodeCertificate(byte[] der) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("Malformed PEM certificate", e);
        }
    }

    /** Unencrypted PKCS#8 ("PRIVATE KEY"); the returned text is as secret as the key itself. */
    public static String privateKey(PrivateKey privateKey) {
        if (!"PKCS#8".equals(privateKey.getFormat())) {
            throw new IllegalArgumentException("The private key has no PKCS#8 encoding");
        }
        return encode(PRIVATE_KEY, privateKey.getEncoded());
    }

    /**
     * Reads PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). Errors never carry the input or the
     * underlying parser's message, since either could quote key material.
     */
    public static PrivateKey parsePrivateKey(String pem) {
        if (pem == null) {
            throw new IllegalArgumentException("No PEM private key given");
        }
        PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            object = reader.readPemObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Malformed PEM private key");
        }
        if (object == null) {
            throw new IllegalArgumentException("No PEM private key found");
        }
        byte[] der = object.getContent();
        try {
            String type = object.getType();
            if (ENCRYPTED_PRIVATE_KEY.equals(type)) {
                throw new IllegalArgumentException("Encrypted private keys are not supported");
            }
            if (!PRIVATE_KEY.equals(type) && !EC_PRIVATE_KEY.equals(type)) {
                throw new IllegalArgumentException("Expected PEM type PRIVATE KEY but found " + type);
            }
            return decodePrivateKey(type, der);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    private static PrivateKey decodePrivateKey(String type, byte[] der) {
        try {
            PrivateKeyInfo info;
            if (PRIVATE_KEY.equals(type)) {
                info = PrivateKeyInfo.getInstance(der);
            } else {
                ECPrivateKey sec1 = ECPrivateKey.getInstance(ASN1Sequence.getInstance(der));
                info = new PrivateKeyInfo(
                        new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, sec1.getParametersObject()), sec1);
            }
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            // No cause: parser messages can quote the bytes they choked on.
            throw new IllegalArgumentException("Malformed PEM private key");
        }
    }

    private static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
