package dev.wharf.proxy.support;

import dev.wharf.testing.Integration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real browser for tests: Debian's headless chromium, driven through its chromedriver, with a profile of its own. */
public final class Browser {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private Browser() {
    }

    /** Starts chromium with {@code extra} switches besides those that keep it quiet and off the network. */
    public static ChromeDriver start(String... extra) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw Integration.unavailable("chromium and chromium-driver (Debian packages)");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("wharf-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> switches = new ArrayList<>(List.of("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=1400,900",
                "--user-data-dir=" + profile));
        switches.addAll(List.of(extra));
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments(switches);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
