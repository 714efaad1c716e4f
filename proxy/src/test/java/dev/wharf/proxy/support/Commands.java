package dev.wharf.proxy.support;

import dev.wharf.testing.Integration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Real command-line clients (curl, nghttp) in tests: their output, or a clear failure when one is missing. */
public final class Commands {

    private Commands() {
    }

    /** Runs {@code command} to its end (at most 60 s) and returns what it printed, trimmed. */
    public static String run(String... command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw Integration.unavailable(command[0] + " (" + e.getMessage() + ")");
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
