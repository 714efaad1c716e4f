package dev.wharf.proxy.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Server certificates by host name, for SNI: {@code <host>.crt} + {@code <host>.key} (PEM, chains, RSA or EC),
 * {@code _wildcard.<parent>.crt} for {@code *.<parent>}, and every DNS name in a certificate's SANs;
 * {@code default.crt} for everything else, or a self-signed certificate generated at start when there is none.
 * Files that cannot be used are reported (one error naming the file) and skipped; the rest keep working.
 * The directory is watched: a file added or replaced takes effect without a restart.
 *
 * <p>Parsing and checking is {@link PemCredentials}'s; certificates in Redis are {@link StoredCertificates}'; the
 * order in which the three are asked is {@link SniCertificates}'.
 */
public final class Certificates implements Mapping<String, SslContext>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Certificates.class);
    private final Path dir;
    private final CertificateFiles configured;
    private final TlsEngine engine;
    private final SslContext selfSigned;
    private volatile Map<String, SslContext> byHost = Map.of();
    private volatile SslContext fallback;
    private volatile List<String> problems = List.of();
    private WatchService watcher;

    private Certificates(Path dir, CertificateFiles configured, TlsEngine engine) {
        this.dir = dir;
        this.configured = configured;
        this.engine = engine;
        SelfSigned generated = SelfSigned.generate("Wharf default certificate", Duration.ofDays(365), "localhost");
        this.selfSigned = engine.server(generated.keys().getPrivate(), List.of(generated.certificate()));
    }

    /**
     * Loads the directory (may be null) and starts watching it. The default certificate is {@code default.crt}
     * there, else {@code configured} (Hipache's https block; may be null), else a self-signed one.
     */
    public static Certificates load(Path dir, CertificateFiles configured, TlsEngine engine) throws IOException {
        Certificates certificates = new Certificates(dir, configured, engine);
        certificates.reload();
        if (dir != null) {
            certificates.watch();
        }
        return certificates;
    }

    @Override
    public SslContext map(String serverName) {
        SslContext named = forHost(serverName == null ? null : SniCertificates.normalise(serverName));
        return named != null ? named : fallback;
    }

    /** The certificate for a host (lower case, no trailing dot) by file name or SAN, exact then wildcard; or null. */
    public SslContext forHost(String host) {
        if (host == null) {
            return null;
        }
        SslContext exact = byHost.get(host);
        if (exact != null) {
            return exact;
        }
        int dot = host.indexOf('.');
        return dot > 0 ? byHost.get("*" + host.substring(dot)) : null;
    }

    /** {@code default.crt}, Hipache's https block, or the self-signed certificate. */
    public SslContext fallback() {
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
                        fromSans.putIfAbsent(san, loaded.context);
                    }
                } catch (IOException | RuntimeException e) {
                    skipped.add(crt + ": " + e.getMessage());
                }
            }
        }
        if (configuredDefault == null && configured != null) {
            try {
                configuredDefault = load(configured.cert(), configured.key(), configured.chain()).context;
            } catch (IOException | RuntimeException e) {
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

    private Loaded load(Path crt, Path key, List<Path> extraChain) throws IOException {
        if (!Files.isReadable(key)) {
            throw new IllegalArgumentException("no readable key file " + key.getFileName());
        }
        StringBuilder chain = new StringBuilder(Files.readString(crt, StandardCharsets.ISO_8859_1));
        for (Path file : extraChain) {
            chain.append('\n').append(Files.readString(file, StandardCharsets.ISO_8859_1));
        }
        PemCredentials credentials;
        try {
            credentials = PemCredentials.parse(chain.toString(), Files.readString(key, StandardCharsets.ISO_8859_1),
                    Instant.now());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (key file " + key.getFileName() + ")", e);
        }
        return new Loaded(engine.server(credentials.key(), credentials.chain()), credentials.dnsNames());
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
