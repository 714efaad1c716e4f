package dev.wharf.agent.docker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ContainerEventTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "kill,    15,      STOPPING",
            "kill,    9,       STOPPING",
            "kill,    SIGTERM, STOPPING",
            "kill,    2,       STOPPING",
            "kill,    1,       CHANGED",   // SIGHUP: a reload, not a stop
            "kill,    SIGUSR1, CHANGED",
            "kill,    ,        CHANGED",
            "stop,    ,        STOPPING",
            "start,   ,        STARTED",
            "restart, ,        STARTED",
            "die,     ,        CHANGED",
            "health_status: healthy, , CHANGED",
    })
    void readsWhatAnEventMeansForRouting(String action, String signal, ContainerEvent.Kind kind) {
        assertThat(ContainerEvent.kindOf(action, signal)).isEqualTo(kind);
    }
}
