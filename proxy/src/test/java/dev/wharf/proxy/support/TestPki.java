package dev.wharf.proxy.support;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** A test certificate authority: issues leaf certificates as PEM files and gives clients a context trusting it. */
public final class TestPki {

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestPki() throws Exception {
        caKeys = keys("RSA");
        X500Name name = new X500Name("CN=Wharf test CA");
        ca = sign(new JcaX509v3CertificateBuilder(name, serial(), past(), future(Duration.ofDays(30)), name, caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true)));
    }

    /** Writes {@code <base>.crt} (leaf then CA) and {@code <base>.key} into dir; returns the leaf. */
    public X509Certificate issue(Path dir, String base, String commonName, Duration validFor, String algorithm,
                                 String... dnsNames) throws Exception {
        KeyPair keys = keys(algorithm);
        GeneralName[] names = new GeneralName[dnsNames.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
        }
        Instant notAfter = Instant.now().plus(validFor);
        X509Certificate leaf = sign(new JcaX509v3CertificateBuilder(new X500Name("CN=Wharf test CA"), serial(),
                past(), Date.from(notAfter), new X500Name("CN=" + commonName), keys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names)));
        write(dir.resolve(base + ".key"), new JcaPKCS8Generator(keys.getPrivate(), null).generate());
        StringWriter chain = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(chain)) {
            pem.writeObject(leaf);
            pem.writeObject(ca);
        }
        Path tmp = dir.resolve(base + ".crt.tmp");
        Files.writeString(tmp, chain.toString());
        Files.move(tmp, dir.resolve(base + ".crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return leaf;
    }

    /** A key file with a key that belongs to no certificate here. */
    public void writeStrayKey(Path file) throws Exception {
        write(file, new JcaPKCS8Generator(keys("RSA").getPrivate(), null).generate());
    }

    public SSLContext clientContext() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers(), new SecureRandom());
        return context;
    }

    /** Trust in this CA alone, for clients that take trust managers rather than a context (gRPC). */
    public TrustManager[] trustManagers() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory.getTrustManagers();
    }

    private X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
    }

    private static void write(Path file, Object pemObject) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(pemObject);
        }
        Files.writeString(file, text.toString());
    }

    private static KeyPair keys(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(algorithm.equals("EC") ? 256 : 2048);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static Date past() {
        return Date.from(Instant.now().minus(Duration.ofDays(2)));
    }

    private static Date future(Duration duration) {
        return Date.from(Instant.now().plus(duration));
    }
}
