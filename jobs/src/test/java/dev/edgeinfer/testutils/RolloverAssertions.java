package dev.edgeinfer.testutils;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.sensor.SensorResult;

import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Assertions shared by the rollover integration tests. */
public final class RolloverAssertions {

    private RolloverAssertions() {}

    /**
     * Exactly one result per window {@code data} must produce (none lost, none duplicated), each
     * with the event time of the window's last reading and scored by the version
     * {@code timeline.resolve(model, windowEnd, deviceId)} names. Returns how many were checked.
     */
    public static int assertEveryWindowScoredOnceByTheTimelinesVersion(
            List<SensorResult> results, TestingEventTimeReadings data, ReleaseTimeline timeline, String model) {
        Set<String> seen = new HashSet<>();
        int matched = 0;
        for (SensorResult r : results) {
            assertThat(seen.add(r.deviceId() + "#" + r.window())).as("duplicate result %s", r).isTrue();
            int device = Integer.parseInt(r.deviceId().substring("dev-".length()));
            assertThat(TestingEventTimeReadings.deviceId(device)).isEqualTo(r.deviceId());
            assertThat(r.window()).as("window index of %s", r).isBetween(0L, data.windowCount(device) - 1L);
            assertThat(r.windowEnd()).as("event time of %s", r).isEqualTo(data.windowEnd(device, r.window()));
            ModelId expected = timeline.resolve(model, r.windowEnd(), r.deviceId())
                    .orElseThrow(() -> new AssertionError("the timeline has no version for " + r))
                    .modelId();
            assertThat(r.model()).as("version of %s", r).isEqualTo(expected);
            matched++;
        }
        assertThat(matched).as("results checked against the timeline").isEqualTo(data.totalWindows());
        assertThat(results).hasSize(data.totalWindows());
        return matched;
    }

    /** No release arrived after the data it governs, and no release of {@code model} was rejected. */
    public static void assertNoLateActivationOrRejection(List<ModelStatus> statuses, String model) {
        assertThat(statuses)
                .as("no late activations: the releases preceded the data")
                .noneMatch(s -> s.state() == ModelStatus.State.LATE_ACTIVATION);
        assertThat(statuses)
                .as("no release of %s rejected", model)
                .noneMatch(s -> s.state() == ModelStatus.State.REJECTED && model.equals(s.model()));
    }

    /**
     * The inference subtask that scores a key: Flink's key-group assignment at the default max
     * parallelism (the windows reach the inference operator over forward channels).
     */
    public static int subtaskOf(String key, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                key, KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism), parallelism);
    }
}
