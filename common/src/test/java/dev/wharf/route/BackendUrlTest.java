package dev.wharf.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendUrlTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "http://172.18.0.5:80,        http://172.18.0.5:80",
            "http://172.18.0.5:8080/,     http://172.18.0.5:8080",
            "HTTP://172.18.0.5,           http://172.18.0.5:80",
            "https://10.0.0.1,            https://10.0.0.1:443",
            "h2c://10.0.0.1:50051,        h2c://10.0.0.1:50051",
            "H2C://10.0.0.1,              h2c://10.0.0.1:80",
            "http://www.dotcloud.com:80,  http://www.dotcloud.com:80",
            "http://Web-1:3000,           http://web-1:3000",
            "http://[::1]:8080,           http://[::1]:8080",
    })
    void parsesAndCanonicalises(String url, String canonical) {
        assertThat(BackendUrl.parse(url).toString()).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @ValueSource(strings = {"", "172.18.0.5:80", "ftp://172.18.0.5", "h2://172.18.0.5", "http://", "http://host:0",
            "http://host:70000", "http://host/path", "http://host:80?q=1", "http://user@host", "http://ho st"})
    void rejectsWhatIsNotSchemeHostPort(String url) {
        assertThatThrownBy(() -> BackendUrl.parse(url))
                .isInstanceOf(InvalidRouteException.class)
                .hasMessageContaining("backend");
    }
}
