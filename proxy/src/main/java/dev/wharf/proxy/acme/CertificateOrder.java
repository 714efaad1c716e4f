package dev.wharf.proxy.acme;

import dev.wharf.store.CertificateStore;
import dev.wharf.store.CertificateStore.Stored;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.util.KeyPairUtils;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One certificate order for one host through acme4j, start to end: the account (RFC 8555 returns the existing one
 * for a known key, so a CA that forgot it is answered with a new one), the order, HTTP-01 or TLS-ALPN-01 answered
 * by whichever proxy the CA reaches (what it expects is in Redis while it checks), a fresh EC P-256 key, the chain.
 * Blocking: it runs on {@link AutomaticHttps}' own thread, never on an event loop.
 */
final class CertificateOrder {

    /** How long the CA gets for each step (validation, issuance). */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

    private final Session session;
    private final String email;
    private final CertificateStore store;
    private final AcmeSettings.Challenge challenge;

    CertificateOrder(AcmeSettings settings, CertificateStore store) {
        this.session = new Session(settings.directory());
        this.email = settings.email();
        this.challenge = settings.challenge();
        this.store = store;
    }

    /** Orders and returns the certificate; an {@link AcmeException} carries the CA's problem. */
    Stored run(String host) throws AcmeException, InterruptedException {
        Account account = new AccountBuilder().agreeToTermsOfService().addEmail(email).useKeyPair(accountKey())
                .create(session);
        join(store.accountLocation(session.getServerUri().toString(), account.getLocation().toString(), email));
        Order order = account.newOrder().domain(host).create();
        for (Authorization authorization : order.getAuthorizations()) {
            if (authorization.getStatus() != Status.VALID) {
                if (challenge == AcmeSettings.Challenge.TLS_ALPN_01) {
                    proveOnTls(host, authorization);
                } else {
                    prove(host, authorization);
                }
            }
        }
        requireStatus(order.waitUntilReady(STEP_TIMEOUT), order.getError(), "order for " + host);
        KeyPair domainKey = KeyPairUtils.createECKeyPair("secp256r1");
        order.execute(domainKey);
        requireStatus(order.waitForCompletion(STEP_TIMEOUT), order.getError(), "issuance for " + host);
        StringWriter chain = new StringWriter();
        StringWriter key = new StringWriter();
        try {
            order.getCertificate().writeCertificate(chain);
            KeyPairUtils.writeKeyPair(domainKey, key);
        } catch (IOException e) {
            throw new AcmeException("cannot write the certificate as PEM: " + e.getMessage());
        }
        return new Stored(chain.toString(), key.toString(), session.getServerUri().toString());
    }

    private void prove(String host, Authorization authorization) throws AcmeException, InterruptedException {
        Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class)
                .orElseThrow(() -> new AcmeException("the CA offers no http-01 challenge for " + host));
        join(store.putChallenge(challenge.getToken(), challenge.getAuthorization(), STEP_TIMEOUT.multipliedBy(2)));
        try {
            challenge.trigger();
            requireStatus(challenge.waitForCompletion(STEP_TIMEOUT), challenge.getError(), "http-01 challenge for " + host);
        } finally {
            join(store.removeChallenge(challenge.getToken()));
        }
    }

    /** The account key every proxy shares: the first one stored in {@code wharf:acme:account} wins. */
    private KeyPair accountKey() throws AcmeException, InterruptedException {
        StringWriter offered = new StringWriter();
        try {
            KeyPairUtils.writeKeyPair(KeyPairUtils.createECKeyPair("secp256r1"), offered);
            return KeyPairUtils.readKeyPair(new StringReader(join(store.accountKey(offered.toString()))));
        } catch (IOException e) {
            throw new AcmeException("the account key in wharf:acme:account is unreadable: " + e.getMessage());
        }
    }

    /** RFC 8737: a self-signed certificate carrying the key authorization's digest, served for ALPN acme-tls/1. */
    private void proveOnTls(String host, Authorization authorization) throws AcmeException, InterruptedException {
        TlsAlpn01Challenge check = authorization.findChallenge(TlsAlpn01Challenge.class)
                .orElseThrow(() -> new AcmeException("the CA offers no tls-alpn-01 challenge for " + host));
        KeyPair validationKey = KeyPairUtils.createKeyPair(2048); // acme4j signs the validation certificate with RSA
        X509Certificate certificate = check.createCertificate(validationKey, authorization.getIdentifier());
        StringWriter certificatePem = new StringWriter();
        StringWriter keyPem = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(certificatePem)) {
            pem.writeObject(certificate);
        } catch (IOException e) {
            throw new AcmeException("cannot write the validation certificate: " + e.getMessage());
        }
        try {
            KeyPairUtils.writeKeyPair(validationKey, keyPem);
        } catch (IOException e) {
            throw new AcmeException("cannot write the validation key: " + e.getMessage());
        }
        join(store.putValidation(host, new Stored(certificatePem.toString(), keyPem.toString(), null),
                STEP_TIMEOUT.multipliedBy(2)));
        try {
            check.trigger();
            requireStatus(check.waitForCompletion(STEP_TIMEOUT), check.getError(), "tls-alpn-01 challenge for " + host);
        } finally {
            join(store.removeValidation(host));
        }
    }

    private static void requireStatus(Status status, Optional<Problem> problem, String what) throws AcmeException {
        if (status != Status.VALID && status != Status.READY) {
            throw new AcmeException(what + " is " + status.name().toLowerCase(java.util.Locale.ROOT)
                    + problem.map(p -> ": " + p.getDetail().orElse(p.getType().toString())).orElse(""));
        }
    }

    private static <T> T join(CompletionStage<T> stage) throws AcmeException, InterruptedException {
        try {
            return stage.toCompletableFuture().get(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AcmeException("Redis did not answer: " + (e.getCause() != null ? e.getCause().getMessage() : e));
        }
    }
}
