package dev.wharf.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HipacheConfigTest {

    /** Hipache's own example, trailing commas and all. */
    private static final String HIPACHE_EXAMPLE = """
            {
                "server": {
                    "debug": false,
                    "workers": 10,
                    "maxSockets": 100,
                    "tcpTimeout": 30,
                    "deadBackendTTL": 30,
                    "retryOnError": 3,
                    "accessLog": "/var/log/hipache/access.log",
                    "httpKeepAlive": false,
                    "deadBackendOn500": true,
                    "staticDir": null,
                },
                "http": {
                    "port": 80,
                    "bind": ["127.0.0.1", "::1"],
                },
                "https": {
                    "port": 443,
                    "bind": ["127.0.0.1", "::1"],
                    "key": "/etc/ssl/ssl.key",
                    "cert": "/etc/ssl/ssl.crt",
                },
                "driver": "redis://:password@127.0.0.1:6379/0#hipache-",
            }
            """;

    @Test
    void readsHipachesExampleAsItIs() throws ConfigException {
        HipacheConfig config = HipacheConfig.parse("config.json", HIPACHE_EXAMPLE);

        assertThat(config).isEqualTo(new HipacheConfig(10, 100, 30, 30, 3, true, false, "/var/log/hipache/access.log",
                80, List.of("127.0.0.1", "::1"), "redis://:password@127.0.0.1:6379/0#hipache-", null,
                443, "/etc/ssl/ssl.crt", "/etc/ssl/ssl.key", null));
    }

    @Test
    void leavesUnsetKeysNull() throws ConfigException {
        HipacheConfig config = HipacheConfig.parse("config.json", "{\"http\": {\"bind\": \"0.0.0.0\"}, \"driver\": [\"redis://a:6379\", \"redis://b:6379\"]}");

        assertThat(config.httpBind()).containsExactly("0.0.0.0");
        assertThat(config.driver()).isEqualTo("redis://a:6379"); // Hipache's master, for writes
        assertThat(config.readDriver()).isEqualTo("redis://b:6379"); // and its replica, to read from
        assertThat(config.workers()).isNull();
        assertThat(config.httpPort()).isNull();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "{\\n  \"server\": {\\n    \"workers\": \"ten\"\\n  }\\n}          | config.json line 3: server.workers must be a whole number from 0 to 1024, not \"ten\"",
            "{\\n  \"server\": {\\n    \"retryOnError\": -1\\n  }\\n}         | config.json line 3: server.retryOnError must be a whole number from 0 to 100, not -1",
            "{\\n  \"http\": {\\n    \"port\": 70000\\n  }\\n}                  | config.json line 3: http.port must be a whole number from 0 to 65535, not 70000",
            "{\\n  \"server\": {\\n    \"httpKeepAlive\": \"yes\"\\n  }\\n}     | config.json line 3: server.httpKeepAlive must be true or false, not \"yes\"",
            "{\\n  \"http\": {\\n    \"bind\": []\\n  }\\n}                     | config.json line 3: http.bind must be an address or a list of addresses, not []",
            "{\\n  \"driver\": \"http://127.0.0.1\"\\n}                          | config.json line 2: driver must be a Redis URL",
            "{\\n  \"driver\": [\"redis://a\", \"redis://b\", \"redis://c\"]\\n}  | config.json line 2: driver must be one Redis URL, or two: the master and a replica to read from",
            "{\\n  \"server\": {\\n    \"workers\": 4,,\\n  }\\n}              | config.json line 3: not valid JSON",
            "[1, 2]                                                              | config.json: must be a JSON object",
    })
    void namesFileLineAndKeyOfABadValue(String json, String message) {
        assertThatThrownBy(() -> HipacheConfig.parse("config.json", json.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }
}
