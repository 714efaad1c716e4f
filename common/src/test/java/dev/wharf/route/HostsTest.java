package dev.wharf.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostsTest {

    @ParameterizedTest(name = "Host: {0} -> {1}")
    @CsvSource({
            "shop.example.com,          shop.example.com",
            "Shop.Example.COM,          shop.example.com",
            "SHOP.example.com:8080,     shop.example.com",
            "shop.example.com.,         shop.example.com",
            "Shop.Example.Com.:443,     shop.example.com",
            "'  shop.example.com  ',    shop.example.com",
            "localhost,                 localhost",
            "10.1.2.3:80,               10.1.2.3",
            "__ping__,                  __ping__",
            "my_app.localhost,          my_app.localhost",
            "[::1]:8080,                [::1]",
            "[2001:DB8::1],             [2001:db8::1]",
    })
    void normalisesRequestHosts(String header, String expected) {
        assertThat(Hosts.requestHost(header)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "Host: ''{0}'' is rejected")
    @ValueSource(strings = {"", " ", "bad host", "a..b", ".example.com", "shop.example.com:http", "-shop.com",
            "shop-.com", "*.example.com", "shop/path", "é.com", "a:b:c"})
    void rejectsInvalidRequestHosts(String header) {
        assertThatThrownBy(() -> Hosts.requestHost(header))
                .isInstanceOf(InvalidRouteException.class)
                .hasMessageContaining("host");
    }

    @ParameterizedTest(name = "VIRTUAL_HOST entry {0} -> {1}")
    @CsvSource({
            "shop.example.com,      shop.example.com",
            "' Shop.Example.com ',  shop.example.com",
            "*.Example.com,         *.example.com",
            "*,                     *",
            "blog,                  blog",
            "blog.,                 blog",
    })
    void normalisesFrontendHosts(String name, String expected) {
        assertThat(Hosts.frontendHost(name)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "VIRTUAL_HOST entry ''{0}'' is rejected")
    @ValueSource(strings = {"", "bad host!", "shop.example.com:8080", "a.*.com", "**.com", "*example.com", "*.*",
            "x123456789x123456789x123456789x123456789x123456789x123456789xxxx.com"})
    void rejectsInvalidFrontendHosts(String name) {
        assertThatThrownBy(() -> Hosts.frontendHost(name))
                .isInstanceOf(InvalidRouteException.class)
                .hasMessageContaining("host");
    }

    @ParameterizedTest
    @CsvSource({"blog, true", "blog.example.com, false", "*, false", "*.example.com, false"})
    void recognisesShortNames(String host, boolean shortName) {
        assertThat(Hosts.isShortName(host)).isEqualTo(shortName);
    }
}
