package dev.wharf.proxy;

import dev.wharf.proxy.config.ProxySettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.wharf.proxy.acme.AcmeSettings;
import dev.wharf.proxy.tls.TlsEngine;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyCommandTest {

    @TempDir
    Path dir;

    private static ProxySettings settings(String... args) {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void usesTheDocumentedDefaults() {
        ProxySettings s = settings();
        assertThat(s.store().redisUrl()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(s.listeners().bind()).containsExactly("0.0.0.0");
        assertThat(s.listeners().httpPort()).isEqualTo(80);
        assertThat(s.admin().port()).isEqualTo(8081);
        assertThat(s.admin().bind()).isEqualTo("127.0.0.1");
        assertThat(s.store().xipDomains()).containsExactly("xip.io", "nip.io", "sslip.io");
        assertThat(s.store().cacheTtl()).isEqualTo(Duration.ofMillis(1000));
        assertThat(s.backends().deadTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.backends().retryOnError()).isEqualTo(3);
        assertThat(s.clients().accessLog()).isEqualTo("stdout");
        assertThat(s.clients().trustForwarded()).isFalse();
        assertThat(s.listeners().httpsPort()).isEqualTo(443);
        assertThat(s.listeners().certDir()).isNull();
    }

    @Test
    void takesHipachesConfigFileUnderExplicitOptions() throws IOException {
        Path config = Files.writeString(dir.resolve("config.json"), """
                {
                  "server": {"workers": 4, "maxSockets": 7, "deadBackendTTL": 12, "tcpTimeout": 9, "retryOnError": 1,
                             "accessLog": "/tmp/access.log", "deadBackendOn500": true,},
                  "http": {"port": 8080, "bind": ["127.0.0.1", "::1"],},
                  "driver": "redis://redis:6380/1#hip-",
                }
                """);

        ProxySettings fromFile = settings("--config", config.toString());
        assertThat(fromFile.workers()).isEqualTo(4);
        assertThat(fromFile.backends().maxSockets()).isEqualTo(7);
        assertThat(fromFile.backends().deadTtl()).isEqualTo(Duration.ofSeconds(12));
        assertThat(fromFile.backends().timeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(fromFile.backends().retryOnError()).isEqualTo(1);
        assertThat(fromFile.clients().accessLog()).isEqualTo("/tmp/access.log");
        assertThat(fromFile.backends().deadOn500()).isTrue();
        assertThat(fromFile.listeners().httpPort()).isEqualTo(8080);
        assertThat(fromFile.listeners().bind()).isEqualTo(List.of("127.0.0.1", "::1"));
        assertThat(fromFile.store().redisUrl()).isEqualTo("redis://redis:6380/1#hip-");

        ProxySettings overridden = settings("--config", config.toString(), "--http-port", "9090", "--retry-on-error", "5",
                "--redis-url", "redis://other:6379");
        assertThat(overridden.listeners().httpPort()).isEqualTo(9090);
        assertThat(overridden.backends().retryOnError()).isEqualTo(5);
        assertThat(overridden.store().redisUrl()).isEqualTo("redis://other:6379");
        assertThat(overridden.workers()).isEqualTo(4);
    }

    @Test
    void rejectsBadValuesWithOneLineNamingThem() throws IOException {
        Path config = Files.writeString(dir.resolve("config.json"), "{\n  \"server\": {\n    \"workers\": \"many\"\n  }\n}\n");
        assertThat(run("--config", config.toString()))
                .isEqualTo("wharf-proxy: " + config + " line 3: server.workers must be a whole number from 0 to 1024, not \"many\" (see --help)");
        assertThat(run("--http-port", "70000")).isEqualTo("wharf-proxy: --http-port must be a port from 0 to 65535, not 70000 (see --help)");
        assertThat(run("--redis-url", "http://x")).startsWith("wharf-proxy: --redis-url: invalid Redis URL 'http://x'");
        assertThat(run("--config", dir.resolve("missing.json").toString())).contains("missing.json: cannot read");
    }

    @Test
    void takesDnsZonesAndRefusesAnIncompleteDnsSetup() {
        assertThat(settings().listeners().dns().enabled()).isFalse();
        ProxySettings dns = settings("--dns-port", "5353", "--dns-zone", "Wharf.Example.com.", "--dns-zone", "x.test",
                "--dns-ip", "203.0.113.7");
        assertThat(dns.listeners().dns().port()).isEqualTo(5353);
        assertThat(dns.listeners().dns().zones()).containsExactly("wharf.example.com", "x.test");
        assertThat(dns.listeners().dns().ip()).isEqualTo("203.0.113.7");
        assertThat(run("--dns-port", "53", "--dns-ip", "10.0.0.1")).isEqualTo("wharf-proxy: --dns-port needs at least one --dns-zone (see --help)");
        assertThat(run("--dns-port", "53", "--dns-zone", "w.test")).isEqualTo("wharf-proxy: --dns-port needs --dns-ip (the address of this host) (see --help)");
        assertThat(run("--dns-port", "53", "--dns-zone", "w.test", "--dns-ip", "10.0.0")).isEqualTo("wharf-proxy: --dns-ip: '10.0.0' is not an IPv4 address (see --help)");
        assertThat(run("--dns-port", "53", "--dns-zone", "bad zone", "--dns-ip", "10.0.0.1")).startsWith("wharf-proxy: --dns-zone: invalid host 'bad zone'");
    }

    @Test
    void anAdminPortBeyondLoopbackNeedsAToken() {
        assertThat(run("--admin-bind", "0.0.0.0")).isEqualTo("wharf-proxy: --admin-bind 0.0.0.0 is not loopback: set --admin-token"
                + " (WHARF_ADMIN_TOKEN) so that the dashboard and /api/* are not open to all (see --help)");
        assertThat(settings("--admin-bind", "0.0.0.0", "--admin-token", " t0ken ").admin().token()).isEqualTo("t0ken");
        assertThat(settings("--admin-bind", "0.0.0.0", "--admin-port", "0").admin().token()).isNull(); // no admin port at all
        assertThat(settings("--admin-bind", "127.0.0.2").admin().token()).isNull();
    }

    @Test
    void automaticHttpsIsOnWithAnEmailAndItsOptionsAreChecked() {
        assertThat(settings().tls().acme()).isNull();
        assertThat(settings().tls().engine()).isEqualTo(TlsEngine.Choice.AUTO);
        AcmeSettings acme = settings("--acme-email", " ops@example.com ", "--tls-engine", "JDK").tls().acme();
        assertThat(acme.email()).isEqualTo("ops@example.com");
        assertThat(acme.directory()).hasToString("https://acme-v02.api.letsencrypt.org/directory");
        assertThat(acme.retryAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(acme.challenge()).isEqualTo(AcmeSettings.Challenge.HTTP_01);
        assertThat(settings("--acme-email", "a@b.io", "--acme-challenge", "TLS-ALPN-01").tls().acme().challenge())
                .isEqualTo(AcmeSettings.Challenge.TLS_ALPN_01);
        assertThat(run("--acme-email", "a@b.io", "--acme-challenge", "dns-01"))
                .isEqualTo("wharf-proxy: --acme-challenge: must be http-01 or tls-alpn-01, not 'dns-01' (see --help)");
        assertThat(settings("--tls-engine", "JDK").tls().engine()).isEqualTo(TlsEngine.Choice.JDK);
        assertThat(settings("--acme-email", "a@b.io", "--acme-directory", "acme://pebble/localhost:14000")
                .tls().acme().directory()).hasToString("acme://pebble/localhost:14000");
        assertThat(run("--acme-email", "ops")).isEqualTo("wharf-proxy: --acme-email: must be an e-mail address, not 'ops' (see --help)");
        assertThat(run("--acme-email", "a@b.io", "--acme-directory", "http://ca.example.com/dir"))
                .isEqualTo("wharf-proxy: --acme-directory: must be an https:// (or acme4j's acme://) URL, not 'http://ca.example.com/dir' (see --help)");
        assertThat(run("--acme-directory", "https://ca.example.com/dir"))
                .isEqualTo("wharf-proxy: --acme-directory needs --acme-email (WHARF_ACME_EMAIL), which turns automatic HTTPS on (see --help)");
        assertThat(run("--tls-engine", "gnutls")).isEqualTo("wharf-proxy: --tls-engine: must be auto, openssl or jdk, not 'gnutls' (see --help)");
        assertThat(run("--acme-email", "a@b.io", "--acme-retry-after", "0")).isEqualTo("wharf-proxy: --acme-retry-after must be at least 1, not 0 (see --help)");
    }

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine command = ProxyCommand.commandLine();
        command.setErr(new PrintWriter(err));
        assertThat(command.execute(args)).isEqualTo(2);
        return err.toString().trim();
    }
}
