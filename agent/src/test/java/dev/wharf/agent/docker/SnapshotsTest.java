package dev.wharf.agent.docker;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;
import dev.wharf.agent.docker.ContainerSnapshot.Health;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotsTest {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A container list entry as the engine sends it (API 1.41), in the state and status given. */
    private static Container listed(String state, String status) throws Exception {
        return JSON.readValue("""
                {"Id":"abc","Names":["/web-1"],"State":"%s","Status":"%s",
                 "Ports":[{"PrivatePort":8080,"PublicPort":49153,"Type":"tcp","IP":"127.0.0.1"},{"PrivatePort":53,"Type":"udp"}],
                 "NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"},"web":{"IPAddress":"172.18.0.3"}}}}
                """.formatted(state, status), Container.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            running    | Up 2 minutes                    | false | NONE
            running    | Up 3 seconds (health: starting) | false | STARTING
            running    | Up 1 hour (healthy)             | false | HEALTHY
            running    | Up 5 minutes (unhealthy)        | false | UNHEALTHY
            paused     | Up 2 minutes (Paused)           | true  | NONE
            restarting | Restarting (1) 2 seconds ago    | -     | -
            exited     | Exited (0) 3 seconds ago        | -     | -
            created    | Created                         | -     | -
            """)
    void readsWhatTheContainerListTellsExactly(String state, String status, Boolean paused, Health health) throws Exception {
        Optional<ContainerSnapshot.State> read = Snapshots.stateOf(listed(state, status));
        if (paused == null) {
            assertThat(read).as("not told exactly: inspected").isEmpty();
            return;
        }
        ContainerSnapshot.State expected = read.orElseThrow();
        assertThat(expected.name()).isEqualTo("web-1");
        assertThat(expected.running()).isTrue();
        assertThat(expected.paused()).isEqualTo(paused);
        assertThat(expected.health()).isEqualTo(health);
        assertThat(expected.networks()).containsExactly(java.util.Map.entry("bridge", "172.17.0.2"), java.util.Map.entry("web", "172.18.0.3"));
        assertThat(expected.publishedPorts()).containsExactly(java.util.Map.entry(8080, 49153));
    }
}
