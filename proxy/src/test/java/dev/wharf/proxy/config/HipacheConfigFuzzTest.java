package dev.wharf.proxy.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Any bytes as Hipache's config.json: read, or refused with a {@link ConfigException} naming the file. */
class HipacheConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void anyFileIsReadOrRefusedWithItsName(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("hipache-fuzz", ".json");
        try {
            Files.write(file, bytes);
            try {
                HipacheConfig.read(file);
            } catch (ConfigException refused) {
                assertThat(refused.getMessage()).contains(file.getFileName().toString());
            }
        } finally {
            Files.delete(file);
        }
    }
}
