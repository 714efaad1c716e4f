package dev.wharf.proxy.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A server certificate chain and its private key, read from PEM text (files or {@code tls:<host>} in Redis) and
 * checked the way a handshake would find out too late: a chain at all, not expired, the key belongs to the leaf.
 *
 * @param dnsNames the leaf's DNS names (subject alternative names), lower case
 */
public record PemCredentials(PrivateKey key, List<X509Certificate> chain, List<String> dnsNames) {

    public PemCredentials {
        chain = List.copyOf(chain);
        dnsNames = List.copyOf(dnsNames);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /**
     * Parses and checks; a problem is an {@link IllegalArgumentException} whose message says what is wrong
     * (the caller names the file or key).
     *
     * @param chainPem one or more PEM certificates, leaf first
     * @param keyPem   PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM, unencrypted
     */
    public static PemCredentials parse(String chainPem, String keyPem, Instant now) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (var certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.ISO_8859_1)))) {
                chain.add((X509Certificate) certificate);
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate chain (" + e.getMessage() + ")", e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate in it");
        }
        X509Certificate leaf = chain.get(0);
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            throw new IllegalArgumentException("expired on " + leaf.getNotAfter().toInstant());
        }
        PrivateKey key = readKey(keyPem);
        requireMatchingKey(leaf, key);
        return new PemCredentials(key, chain, dnsNames(leaf));
    }

    private static List<String> dnsNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            if (leaf.getSubjectAlternativeNames() != null) {
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("unreadable subject alternative names (" + e.getMessage() + ")", e);
        }
        return names;
    }

    private static PrivateKey readKey(String keyPem) {
        try (PEMParser parser = new PEMParser(new StringReader(keyPem))) {
            Object pem = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (pem instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable private key (" + e.getMessage() + ")", e);
        }
        throw new IllegalArgumentException("no unencrypted PEM private key");
    }

    /** A key that does not belong to the certificate would fail every handshake: catch it at load time. */
    private static void requireMatchingKey(X509Certificate leaf, PrivateKey key) {
        try {
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(new byte[] {1, 2, 3});
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(new byte[] {1, 2, 3});
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the key does not match the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key does not match the certificate (" + e.getMessage() + ")", e);
        }
    }
}
