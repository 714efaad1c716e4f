package dev.wharf.proxy;

import dev.wharf.proxy.config.AdminSettings;
import dev.wharf.proxy.support.Browser;
import dev.wharf.proxy.support.TestBackend;
import dev.wharf.proxy.support.TestProxy;
import dev.wharf.route.BackendUrl;
import dev.wharf.testing.FreePort;
import dev.wharf.testing.TestRedis;
import dev.wharf.testing.Wait;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser (Debian's chromium, driven through its chromedriver): rows from Redis, a dead
 * mark showing up without a reload, the lookup field, 10,000 routes, the token, and no request off the admin port.
 */
class DashboardIT {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static TestProxy proxy;
    private static TestBackend backend;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        browser = Browser.start();
        proxy = TestProxy.start(TestRedis.url(), s -> s.withAdmin(new AdminSettings("127.0.0.1", FreePort.find())));
        backend = TestBackend.start("dash");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static String adminUrl(String path) {
        return "http://127.0.0.1:" + proxy.adminPort() + path;
    }

    /**
     * What the page shows of one route, read in one script: rows are rebuilt at every poll, so an element found
     * first and read afterwards may be gone by then. Null when the route is not on the page.
     */
    private static String row(String key, String selector) {
        return (String) ((JavascriptExecutor) browser).executeScript(
                "const row = [...document.querySelectorAll('#rows tr')].find(r => r.dataset.key === arguments[0]);"
                        + " if (!row) return null;"
                        + " return [...row.querySelectorAll(arguments[1])].map(e => e.textContent).join('|');", key, selector);
    }

    private static boolean hasRow(String key) {
        return row(key, "td") != null;
    }

    @Test
    void showsRoutesLiveDeadMarksAndLookupsWithoutAReloadAndNothingFromElsewhere() throws Exception {
        String host = TestRedis.uniqueHost("dash");
        String other = TestRedis.uniqueHost("dash-api");
        proxy.store().addBackend(host, "", host, BackendUrl.parse(backend.url()), Map.of()).toCompletableFuture().join();
        proxy.store().addBackend(host, "", host, BackendUrl.parse("http://10.9.9.9:80"), Map.of()).toCompletableFuture().join();
        proxy.store().addBackend(other, "/api", other, BackendUrl.parse(backend.url()), Map.of("strip-path", "true")).toCompletableFuture().join();
        proxy.redis().hset(proxy.key("wharf:agent:dash-agent"), "c0ffee", "{\"container\":\"web-1\",\"routes\":[{\"host\":\""
                + host + "\",\"path\":\"\",\"backend\":\"" + backend.url() + "\"}],\"updated\":\"now\"}");
        for (int i = 0; i < 5; i++) {
            proxy.get(host, "/");
        }

        String broken = TestRedis.uniqueHost("broken");
        proxy.redis().hset(proxy.key("wharf:status:dash-agent"), "bad1", "{\"container\":\"web-9\",\"routed\":false,"
                + "\"why\":\"is unhealthy\",\"detail\":null,\"hosts\":[\"" + broken + "\"],\"routes\":[],\"updated\":\"now\"}");
        proxy.redis().hset(proxy.key("wharf:why:" + broken), "bad1", "container web-9 is unhealthy");

        browser.get(adminUrl("/"));
        Wait.until("the routes to be listed", WAIT, () -> hasRow(host) && hasRow(other + "/api"));
        Wait.until("the container that is not routed to be listed with why", WAIT, () -> String.valueOf(
                ((JavascriptExecutor) browser).executeScript("return document.getElementById('unrouted-list').textContent;"))
                .contains("web-9 is unhealthy" + broken));
        assertThat(row(host, "td")).contains("exact", backend.url(), "web-1", "http://10.9.9.9:80");
        assertThat(row(other + "/api", "td")).contains("strip-path=true");
        assertThat(row(host, ".backend.dead")).isEmpty();

        ((JavascriptExecutor) browser).executeScript("window.sameDocument = true;"); // a reload would lose it
        proxy.redis().sadd(proxy.key("dead:" + host), "1");
        Wait.until("the dead mark to show without a reload", WAIT,
                () -> row(host, ".backend.dead").contains("10.9.9.9"));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.sameDocument === true;")).as("not reloaded").isEqualTo(true);
        Wait.until("the traffic of the route to show", WAIT, () -> {
            proxy.get(host, "/");
            return hasSpark(host);
        });

        WebElement lookup = browser.findElement(By.id("lookup-input"));
        lookup.sendKeys(broken + "/x");
        lookup.sendKeys(Keys.ENTER);
        Wait.until("the lookup to show no match and why", WAIT,
                () -> lookupText().contains("no route") && lookupText().contains("container web-9 is unhealthy"));
        lookup.clear();
        lookup.sendKeys(other + "/api/users", Keys.ENTER);
        Wait.until("the lookup to show the matched route and rule", WAIT,
                () -> lookupText().contains(other + "/api by rule exact"));
        assertThat(lookupText()).contains("strip-path=true");

        Path screenshot = Path.of("target", "dashboard.png");
        Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(screenshot)).isPositive();

        @SuppressWarnings("unchecked")
        List<String> fetched = (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);");
        assertThat(fetched).isNotEmpty().allSatisfy(url -> assertThat(url).startsWith(adminUrl("/")));
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(adminUrl("/"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'none'", "connect-src 'self'", "script-src 'self'"));
    }

    private static String lookupText() {
        return (String) ((JavascriptExecutor) browser).executeScript("return document.getElementById('lookup-result').textContent;");
    }

    private static boolean hasSpark(String key) {
        return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript(
                "const row = [...document.querySelectorAll('#rows tr')].find(r => r.dataset.key === arguments[0]);"
                        + " return !!row && !!row.querySelector('svg.spark polyline');", key));
    }

    @Test
    void staysQuickWithTenThousandRoutesAndFindsOneBySearch() throws Exception {
        String prefix = "many" + Long.toHexString(System.nanoTime());
        RedisAsyncCommands<String, String> async = proxy.redisAsync();
        List<io.lettuce.core.RedisFuture<Long>> writes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String host = prefix + "-" + i + ".test";
            writes.add(async.rpush(proxy.key("frontend:" + host), host, "http://10.1." + (i / 250) + "." + (i % 250 + 1) + ":80"));
        }
        for (var write : writes) {
            write.get(10, TimeUnit.SECONDS);
        }

        browser.get(adminUrl("/"));
        Wait.until("10,000 routes counted", WAIT, () -> browser.findElement(By.id("total")).getText().matches("1\\d{4} routes.*"));
        assertThat(browser.findElements(By.cssSelector("#rows tr"))).hasSize(100); // one page at a time
        long start = System.nanoTime();
        browser.findElement(By.id("search")).sendKeys(prefix + "-7777.test");
        Wait.until("the search to find the one route", WAIT, () -> hasRow(prefix + "-7777.test")
                && browser.findElement(By.id("page-info")).getText().equals("1–1 of 1"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        browser.findElement(By.id("search")).clear();
        browser.findElement(By.id("search")).sendKeys("10.1.39.");
        Wait.until("a search by backend address", WAIT, () -> browser.findElement(By.id("page-info")).getText().equals("1–100 of 250"));
    }

    @Test
    void aTokenGuardsThePageAndTheApiButNotHealthOrMetrics() throws Exception {
        try (TestProxy guarded = TestProxy.start(TestRedis.url(),
                s -> s.withAdmin(new AdminSettings("127.0.0.1", FreePort.find(), "s3cret-token")))) {
            String base = "http://127.0.0.1:" + guarded.adminPort();
            HttpClient client = HttpClient.newHttpClient();
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/api/frontends")))).isEqualTo(401);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/")))).isEqualTo(401);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/api/routes/a.test")))).isEqualTo(401);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/api/frontends"))
                    .header("Authorization", "Bearer wrong"))).isEqualTo(401);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/api/frontends"))
                    .header("Authorization", "Bearer s3cret-token"))).isEqualTo(200);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/healthz")))).isEqualTo(200);
            assertThat(status(client, HttpRequest.newBuilder(URI.create(base + "/metrics")))).isEqualTo(200);

            String host = TestRedis.uniqueHost("guarded");
            guarded.route(host, "http://10.2.2.2:80");
            browser.get(base + "/?token=s3cret-token");
            Wait.until("the page to list routes with the token", WAIT, () -> hasRow(host));
        }
    }

    private static int status(HttpClient client, HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
