package dev.wharf.store;

import io.lettuce.core.RedisCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisTargetTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // url                                      | host       | port  | db | password | tls   | prefix
            "redis://127.0.0.1:6379                     | 127.0.0.1  | 6379  | 0  | null     | false | ''",
            "redis://redis                              | redis      | 6379  | 0  | null     | false | ''",
            "redis://:s3cret@redis:6380/2               | redis      | 6380  | 2  | s3cret   | false | ''",
            "redis://:s3cret@redis:6380/2#hipache-      | redis      | 6380  | 2  | s3cret   | false | hipache-",
            "redis://127.0.0.1:6379/#wharf:             | 127.0.0.1  | 6379  | 0  | null     | false | wharf:",
            "rediss://cache.example.com:6380            | cache.example.com | 6380 | 0 | null | true  | ''",
    })
    void parsesRedisAndHipacheDriverUrls(String url, String host, int port, int db, String password,
                                        boolean tls, String prefix) {
        RedisTarget target = RedisTarget.parse(url);
        assertThat(target.uri().getHost()).isEqualTo(host);
        assertThat(target.uri().getPort()).isEqualTo(port);
        assertThat(target.uri().getDatabase()).isEqualTo(db);
        assertThat(passwordOf(target)).isEqualTo(password);
        assertThat(target.uri().isSsl()).isEqualTo(tls);
        assertThat(target.prefix()).isEqualTo(prefix);
    }

    private static String passwordOf(RedisTarget target) {
        RedisCredentials credentials = target.uri().getCredentialsProvider().resolveCredentials().block();
        return credentials == null || !credentials.hasPassword() ? null : new String(credentials.getPassword());
    }

    @Test
    void keepsTheSentinelFragmentAsMasterId() {
        RedisTarget target = RedisTarget.parse("redis-sentinel://s1:26379,s2:26379/0#mymaster");
        assertThat(target.uri().getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(target.uri().getSentinels()).hasSize(2);
        assertThat(target.prefix()).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
            "''                           | empty Redis URL",
            "http://127.0.0.1:6379        | scheme must be",
            "127.0.0.1:6379               | scheme",
            "redis://127.0.0.1:port       | no host",
            "redis://127.0.0.1:6379/zero  | database must be a number",
            "redis://:hunter2@h:6379/x    | ***",
    })
    void rejectsBadUrlsNamingTheProblem(String url, String message) {
        assertThatThrownBy(() -> RedisTarget.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void hidesPasswordsInItsDescription() {
        assertThat(RedisTarget.parse("redis://:hunter2@redis:6379/0#p-").toString())
                .doesNotContain("hunter2")
                .contains("prefix 'p-'");
    }
}
