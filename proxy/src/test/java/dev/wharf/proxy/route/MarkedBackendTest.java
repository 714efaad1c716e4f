package dev.wharf.proxy.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class MarkedBackendTest {

    @ParameterizedTest(name = "{0} (fields {1})")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // message                                         | fields | request host | path   | url
            "shop.test;http://10.0.0.1:80;0;2                  | 4      | shop.test    | ''     | http://10.0.0.1:80",
            "shop.test/api;http://10.0.0.1:80;1;2              | 4      | shop.test    | /api   | http://10.0.0.1:80",
            "shop.test/api;http://10.0.0.1:80                  | 2      | shop.test    | /api   | http://10.0.0.1:80",
            "shop.test;http://10.0.0.1:80                      | 4      | null         | null   | null",
            "shop.test                                         | 2      | null         | null   | null",
    })
    void readsDeadAndAliveMessages(String message, int fields, String host, String path, String url) {
        MarkedBackend marked = MarkedBackend.parse(message, fields);
        if (host == null) {
            assertThat(marked).isNull();
        } else {
            assertThat(marked).isEqualTo(new MarkedBackend(host, path, url));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "shop.test;http://10.0.0.1:80;0;2     | shop.test",
            "shop.test/api/v1;http://10.0.0.1:80  | shop.test",
            "shop.test                            | shop.test",
            "shop.test/api                        | shop.test",
    })
    void findsTheRequestHostOfAnyMessage(String message, String host) {
        assertThat(MarkedBackend.requestHostOf(message)).isEqualTo(host);
    }
}
