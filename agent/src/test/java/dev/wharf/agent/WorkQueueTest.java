package dev.wharf.agent;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WorkQueueTest {

    @Test
    void aBurstOfEventsAboutOneContainerIsOneItemInArrivalOrder() throws InterruptedException {
        WorkQueue queue = new WorkQueue();
        for (String item : List.of("a", "b", "a", "", "a", "b", "c", "")) {
            queue.add(item);
        }
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(queue.take());
        }
        assertThat(taken).containsExactly("a", "b", "", "c");
        assertThat(queue.add("a")).as("pending again once taken").isTrue();
        assertThat(queue.add("a")).isFalse();
    }
}
