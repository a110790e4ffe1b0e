package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ShadowHealth;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingEventTimeReadings;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * "Shadow never changes the emitted output" (issue 10, docs/status-topic.md): the same readings
 * go through the sensor job twice, once serving v1 alone and once with a shadow activation of a
 * model that disagrees with v1 on purpose ({@link TestingModels#inverted()}: {@code 1 - score}).
 * Both runs must emit byte-identical result records (compared as multisets of key and value
 * bytes: the two runs interleave partitions differently), and the shadow's heartbeats must say
 * how badly it agrees.
 */
class ShadowScoringITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2 * PARALLELISM).build();

    @Test
    void aShadowActivationLeavesTheResultBytesIdenticalAndReportsItsAgreementInTheHeartbeats() throws Exception {
        BuiltModel v1 = TestingModels.v1();
        BuiltModel inverted = TestingModels.inverted();
        String model = v1.id().name();
        long now = System.currentTimeMillis();
        long base = (now - Duration.ofMinutes(10).toMillis()) / 1000 * 1000;
        ModelRelease serving = ReleaseFactory.fromFile(model, v1.id().version(), v1.file(), 0L, 100, "it", now);
        ModelRelease shadow = ReleaseFactory.fromFile(model, inverted.id().version(), inverted.file(), 0L, 100, "it",
                now + 1).toBuilder().shadow(true).build();

        SensorJobHarness plain = SensorJobHarness.releasesOnly(CLUSTER, v1, 4).idleSourcesAfter(Duration.ofSeconds(5));
        SensorJobHarness shadowed = SensorJobHarness.releasesOnly(CLUSTER, v1, 4).idleSourcesAfter(Duration.ofSeconds(5));
        new ControlTopic(CLUSTER.bootstrapServers(), plain.control).publish(serving);
        ControlTopic shadowedControl = new ControlTopic(CLUSTER.bootstrapServers(), shadowed.control);
        shadowedControl.publish(serving);
        shadowedControl.publish(shadow);

        JobClient plainJob = start("shadow-it-plain", plain);
        JobClient shadowedJob = start("shadow-it-shadowed", shadowed);
        // Readings only once the versions are staged everywhere: the shadow then sees every record.
        awaitStatus(plain, s -> s.state() == ModelStatus.State.STAGED && !s.releaseId().endsWith("@shadow"));
        awaitStatus(shadowed, s -> s.state() == ModelStatus.State.STAGED && s.releaseId().equals(shadow.releaseId()));

        TestingEventTimeReadings data = readings(plain.config(), base);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), stamped(data.drainRecords(plain.readings)));
        TestingEventTimeReadings same = readings(shadowed.config(), base);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), stamped(same.drainRecords(shadowed.readings)));

        List<String> plainResults = resultBytes(plain, data.totalWindows());
        List<String> shadowedResults = resultBytes(shadowed, same.totalWindows());
        assertThat(plainResults).hasSize(data.totalWindows());
        assertThat(shadowedResults).as("byte-identical results with the shadow").isEqualTo(plainResults);

        List<ModelStatus> statuses = JobOutputs.statusesUntil(CLUSTER.bootstrapServers(), shadowed.status,
                all -> compared(all, shadow) > 0, Duration.ofSeconds(90));
        List<ShadowHealth> beats = shadowBeats(statuses, shadow);
        long compared = beats.stream().mapToLong(ShadowHealth::compared).sum();
        long agreed = beats.stream().mapToLong(ShadowHealth::agreed).sum();
        assertThat(compared).isPositive();
        assertThat((double) agreed / compared).as("the inverted model disagrees with v1").isLessThan(0.5);
        assertThat(beats).filteredOn(b -> b.compared() > 0).allSatisfy(b -> {
            assertThat(b.servingVersion()).isEqualTo(serving.version());
            assertThat(b.meanAbsDelta()).isPositive();
            assertThat(b.deltaBins().stream().mapToLong(Long::longValue).sum()).isPositive();
        });
        assertThat(statuses).filteredOn(s -> s.releaseId() != null && s.releaseId().equals(shadow.releaseId()))
                .noneMatch(s -> s.state() == ModelStatus.State.ACTIVE || s.state() == ModelStatus.State.REJECTED);
        assertThat(statuses).filteredOn(s -> s.state() == ModelStatus.State.HEARTBEAT && s.health() != null
                        && s.releaseId().equals(shadow.releaseId()) && s.health().scored() > 0)
                .allSatisfy(s -> assertThat(s.health().latencyP99Micros()).as("the shadow's latency").isNotNull());
        plainJob.cancel().get();
        shadowedJob.cancel().get();
    }

    private static JobClient start(String name, SensorJobHarness harness) throws Exception {
        SensorJobConfig config = harness.config();
        return CLUSTER.startJob(name, env -> SensorAnomalyJob.build(env, config));
    }

    private static void awaitStatus(SensorJobHarness harness, Predicate<ModelStatus> report) {
        List<ModelStatus> statuses = JobOutputs.statusesUntil(CLUSTER.bootstrapServers(), harness.status,
                all -> JobOutputs.fromEverySubtask(all, PARALLELISM, report), Duration.ofSeconds(90));
        assertThat(JobOutputs.fromEverySubtask(statuses, PARALLELISM, report)).as("statuses %s", statuses).isTrue();
    }

    /** The same readings for every run: 8 devices, 100 readings each, in order. */
    private static TestingEventTimeReadings readings(SensorJobConfig config, long base) {
        TestingEventTimeReadings data =
                new TestingEventTimeReadings(8, config.channels(), config.windowSize(), config.windowSlide(), base, 1, 3L);
        data.addShuffledForAll(0, 100, 1);
        return data;
    }

    /** The records with their event time as Kafka timestamp, so results carry the same {@code sourceTs} in both runs. */
    private static List<ProducerRecord<byte[], byte[]>> stamped(List<ProducerRecord<byte[], byte[]>> records)
            throws IOException {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records) {
            long ts = JsonFields.MAPPER.readTree(r.value()).get("ts").longValue();
            out.add(new ProducerRecord<>(r.topic(), null, ts, r.key(), r.value()));
        }
        return out;
    }

    /** Every result record as "hex(key) hex(value)", sorted: a multiset of exact bytes. */
    private static List<String> resultBytes(SensorJobHarness harness, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.results, false, r -> r.size() >= expected, Duration.ofSeconds(120), Duration.ofSeconds(2));
        HexFormat hex = HexFormat.of();
        return records.stream().map(r -> hex.formatHex(r.key()) + " " + hex.formatHex(r.value())).sorted().toList();
    }

    private static List<ShadowHealth> shadowBeats(List<ModelStatus> statuses, ModelRelease shadow) {
        return statuses.stream()
                .filter(s -> s.state() == ModelStatus.State.HEARTBEAT && shadow.releaseId().equals(s.releaseId())
                        && s.health() != null && s.health().shadow() != null)
                .map(s -> s.health().shadow())
                .toList();
    }

    private static long compared(List<ModelStatus> statuses, ModelRelease shadow) {
        return shadowBeats(statuses, shadow).stream().mapToLong(ShadowHealth::compared).sum();
    }
}
