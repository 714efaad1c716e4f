package dev.wharf.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.Mapping;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Server certificates by host name, for SNI: {@code <host>.crt} + {@code <host>.key} (PEM, chains, RSA or EC),
 * {@code _wildcard.<parent>.crt} for {@code *.<parent>}, and every DNS name in a certificate's SANs;
 * {@code default.crt} for everything else, or a self-signed certificate generated at start when there is none.
 * Files that cannot be used are reported (one error naming the file) and skipped; the rest keep working.
 * The directory is watched: a file added or replaced takes effect without a restart.
 *
 * <p>Over 250 lines because loading, matching and watching share one index of names; ACME (issue "automatic
 * HTTPS") is the time to split the watcher out.
 */
public final class Certificates implements Mapping<String, SslContext>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Certificates.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Path dir;
    private final CertificateFiles configured;
    private final SslContext selfSigned;
    private volatile Map<String, SslContext> byHost = Map.of();
    private volatile SslContext fallback;
    private volatile List<String> problems = List.of();
    private WatchService watcher;

    private Certificates(Path dir, CertificateFiles configured) {
        this.dir = dir;
        this.configured = configured;
        SelfSigned generated = SelfSigned.generate("Wharf default certificate", Duration.ofDays(365), "localhost");
        this.selfSigned = context(SslContextBuilder.forServer(generated.keys().getPrivate(), generated.certificate()));
    }

    /**
     * Loads the directory (may be null) and starts watching it. The default certificate is {@code default.crt}
     * there, else {@code configured} (Hipache's https block; may be null), else a self-signed one.
     */
    public static Certificates load(Path dir, CertificateFiles configured) throws IOException {
        Certificates certificates = new Certificates(dir, configured);
        certificates.reload();
        if (dir != null) {
            certificates.watch();
        }
        return certificates;
    }

    @Override
    public SslContext map(String serverName) {
        if (serverName != null) {
            String host = serverName.toLowerCase(Locale.ROOT);
            host = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            SslContext exact = byHost.get(host);
            if (exact != null) {
                return exact;
            }
            int dot = host.indexOf('.');
            if (dot > 0) {
                SslContext wildcard = byHost.get("*" + host.substring(dot));
                if (wildcard != null) {
                    return wildcard;
                }
            }
        }
        return fallback;
    }

    /** Files skipped at the last load, each with the reason. */
    List<String> problems() {
        return problems;
    }

    synchronized void reload() {
        Map<String, SslContext> hosts = new HashMap<>();
        Map<String, SslContext> fromSans = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        SslContext configuredDefault = null;
        if (dir != null) {
            List<Path> files;
            try (Stream<Path> listing = Files.list(dir)) {
                files = listing.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList();
            } catch (IOException e) {
                skipped.add(dir + ": cannot list: " + e.getMessage());
                files = List.of();
            }
            for (Path crt : files) {
                String base = crt.getFileName().toString();
                base = base.substring(0, base.length() - ".crt".length());
                Path key = crt.resolveSibling(base + ".key");
                try {
                    Loaded loaded = load(crt, key, List.of());
                    if (base.equals("default")) {
                        configuredDefault = loaded.context;
                    } else {
                        hosts.put(base.startsWith("_wildcard.") ? "*" + base.substring("_wildcard".length()) : base,
                                loaded.context);
                    }
                    for (String san : loaded.dnsNames) {
                        fromSans.putIfAbsent(san.toLowerCase(Locale.ROOT), loaded.context);
                    }
                } catch (IOException | CertificateException | RuntimeException e) {
                    skipped.add(crt + ": " + e.getMessage());
                }
            }
        }
        if (configuredDefault == null && configured != null) {
            try {
                configuredDefault = load(configured.cert(), configured.key(), configured.chain()).context;
            } catch (IOException | CertificateException | RuntimeException e) {
                skipped.add(configured.cert() + ": " + e.getMessage());
            }
        }
        fromSans.forEach(hosts::putIfAbsent);
        skipped.forEach(problem -> log.error("certificate skipped: {}", problem));
        if (configuredDefault == null && fallback == null) {
            log.info("no default certificate ({}): serving a self-signed one (curl -k works)",
                    dir == null ? "no --cert-dir" : "no default.crt in " + dir);
        }
        byHost = Map.copyOf(hosts);
        problems = List.copyOf(skipped);
        fallback = configuredDefault != null ? configuredDefault : selfSigned;
        log.info("TLS certificates: {} host name(s){}", hosts.size(), dir == null ? "" : " from " + dir);
    }

    private record Loaded(SslContext context, Collection<String> dnsNames) {
    }

    private static Loaded load(Path crt, Path key, List<Path> extraChain) throws IOException, CertificateException {
        if (!Files.isReadable(key)) {
            throw new IllegalArgumentException("no readable key file " + key.getFileName());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Path file : concat(crt, extraChain)) {
            try (InputStream in = Files.newInputStream(file)) {
                for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    chain.add((X509Certificate) certificate);
                }
            }
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate in it");
        }
        X509Certificate leaf = chain.get(0);
        if (leaf.getNotAfter().before(new Date())) {
            throw new IllegalArgumentException("expired on " + leaf.getNotAfter().toInstant());
        }
        PrivateKey privateKey = readKey(key);
        requireMatchingKey(leaf, privateKey, key);
        SslContext context = context(SslContextBuilder.forServer(privateKey, chain.toArray(X509Certificate[]::new)));
        List<String> names = new ArrayList<>();
        if (leaf.getSubjectAlternativeNames() != null) {
            for (List<?> san : leaf.getSubjectAlternativeNames()) {
                if (Integer.valueOf(2).equals(san.get(0))) {
                    names.add((String) san.get(1));
                }
            }
        }
        return new Loaded(context, names);
    }

    private static List<Path> concat(Path first, List<Path> rest) {
        List<Path> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM, unencrypted. */
    private static PrivateKey readKey(Path keyFile) throws IOException {
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(keyFile))) {
            Object pem = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (pem instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IllegalArgumentException("no unencrypted PEM private key in " + keyFile.getFileName());
        }
    }

    /** A key that does not belong to the certificate would fail every handshake: catch it at load time. */
    private static void requireMatchingKey(X509Certificate leaf, PrivateKey key, Path keyFile) {
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
                throw new IllegalArgumentException("key " + keyFile.getFileName() + " does not match the certificate");
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("key " + keyFile.getFileName() + " does not match the certificate ("
                    + e.getMessage() + ")", e);
        }
    }

    private static SslContext context(SslContextBuilder builder) {
        try {
            return builder.protocols(PROTOCOLS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private void watch() throws IOException {
        watcher = dir.getFileSystem().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        Thread thread = new Thread(() -> {
            try {
                while (true) {
                    WatchKey key = watcher.take();
                    Thread.sleep(200); // a copy writes in several steps: let it finish, then load once
                    key.pollEvents();
                    key.reset();
                    reload();
                }
            } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
                // Closing.
            }
        }, "wharf-certificates");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }
}
