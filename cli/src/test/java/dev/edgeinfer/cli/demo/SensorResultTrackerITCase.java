package dev.edgeinfer.cli.demo;

import static dev.edgeinfer.testutils.KafkaTestUtils.eventually;
import static dev.edgeinfer.testutils.KafkaTestUtils.freshTopic;
import static dev.edgeinfer.testutils.KafkaTestUtils.openKafkaClients;
import static dev.edgeinfer.testutils.KafkaTestUtils.produceAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;
import dev.edgeinfer.jobs.sensor.SensorWarmup;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

/**
 * The demo's reader warms its whole booking path on a synthetic result before it polls, and
 * nothing of that dry run is left in its books: the first real result is counted as the first.
 */
class SensorResultTrackerITCase {

    @Test
    void theReadersWarmUpBooksNothingAndRealResultsAreBookedAsBefore() throws Exception {
        int consumersBefore = openKafkaClients("consumer", "edgeinfer-demo-reader*").size();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            String results = freshTopic("results");
            String deadLetters = freshTopic("deadletters");
            String status = freshTopic("status");
            kafka.createTopics(2, results, deadLetters, status);
            try (SensorResultTracker tracker = new SensorResultTracker(kafka.bootstrapServers(), results, deadLetters, status,
                    (device, index) -> index == 3)) {
                tracker.start();

                assertThat(tracker.results()).isZero();
                assertThat(tracker.distinctResults()).isZero();
                assertThat(tracker.duplicates()).isZero();
                assertThat(tracker.samples()).isEmpty();
                assertThat(tracker.perVersion()).isEmpty();
                assertThat(tracker.perVersionSha256()).isEmpty();
                assertThat(tracker.latency().getTotalCount()).isZero();
                assertThat(tracker.takeIntervalLatency().getTotalCount()).isZero();
                assertThat(tracker.quality()).isEqualTo(new SensorResultTracker.Quality(0, 0, 0, 0));
                assertThat(tracker.qualityPerVersion()).isEmpty();

                SensorResult warm = SensorWarmup.result(8, 16);
                SensorResult real = new SensorResult("dev-0001", 3, 1_000, 2_000, 0.9f, true, warm.model(), "site",
                        System.currentTimeMillis());
                produceAll(kafka.bootstrapServers(), List.of(
                        new ProducerRecord<>(results, real.deviceId().getBytes(), SensorResultJson.toJson(real)),
                        new ProducerRecord<>(results, real.deviceId().getBytes(), SensorResultJson.toJson(real))));
                assertThat(eventually(() -> tracker.results() == 2, Duration.ofSeconds(30))).isTrue();

                assertThat(tracker.distinctResults()).isEqualTo(1);
                assertThat(tracker.duplicates()).isEqualTo(1);
                assertThat(tracker.perVersion()).containsOnlyKeys(warm.model().version());
                assertThat(tracker.samples()).singleElement().satisfies(s -> assertThat(s.key()).isEqualTo("dev-0001"));
                assertThat(tracker.latency().getTotalCount()).isEqualTo(1);
                assertThat(tracker.quality()).isEqualTo(new SensorResultTracker.Quality(1, 0, 0, 0));
            }
        }
        assertThat(openKafkaClients("consumer", "edgeinfer-demo-reader*")).hasSize(consumersBefore);
    }
}
