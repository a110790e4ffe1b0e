package dev.edgeinfer.jobs.frames;

import static dev.edgeinfer.testutils.TestingFrames.CAMERAS;
import static dev.edgeinfer.testutils.TestingFrames.FRAMES_PER_CAMERA;
import static dev.edgeinfer.testutils.TestingFrames.HEIGHT;
import static dev.edgeinfer.testutils.TestingFrames.WIDTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.frames.SyntheticFrames.BadFrame;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.FrameJobHarness;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingFrames;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The frame pipeline end to end on real parts: a KRaft broker, a Flink MiniCluster at
 * parallelism 2, a real CNN in ONNX served through DJL's ONNX Runtime engine, releases with image
 * metadata on the control topic and a rollover from v1 to v2 at a frame time in the middle of the
 * data.
 */
class FramePipelineITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    @TempDir Path models;

    @Test
    void everyGoodFrameIsClassifiedOnceByTheRightVersionAndEveryBadFrameIsDeadLetteredWithItsReason() throws Exception {
        BuiltFrameModel v1 = FrameModelFactory.build(FrameModelFactory.Spec.v1(), models);
        BuiltFrameModel v2 = FrameModelFactory.build(FrameModelFactory.Spec.v2(), models);
        FrameJobHarness harness = new FrameJobHarness(CLUSTER, models, 4);
        FrameJobConfig config = harness.config();

        TestingFrames frames = new TestingFrames(harness.frames, 11);
        long base = frames.base;
        long boundary = frames.middle();
        ControlTopic control = new ControlTopic(CLUSTER.bootstrapServers(), harness.control);
        control.publish(ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "it", 1L, v1.releaseMetadata()));
        control.publish(ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), boundary, 100, "it", 2L, v2.releaseMetadata()));

        Map<String, String> truth = frames.truth;
        List<ProducerRecord<byte[], byte[]>> records = frames.records;
        Map<String, BadFrame> badByValue = new HashMap<>();
        for (int i = 0; i < FRAMES_PER_CAMERA; i++) {
            frames.addRow(i);
            if (i % 3 == 1 && i / 3 < BadFrame.values().length) {
                BadFrame kind = BadFrame.values()[i / 3];
                ProducerRecord<byte[], byte[]> bad = SyntheticFrames.bad(kind, harness.frames, "cam-0", base + i * 33L + 1,
                        WIDTH, HEIGHT, config.maxRecordBytes(), frames.random);
                records.add(bad);
                badByValue.put(key(bad.value()), kind);
            }
        }
        assertThat(badByValue).hasSize(BadFrame.values().length);
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), records);

        CLUSTER.startJob("frame-pipeline-it", env -> FrameClassificationJob.build(env, config));

        List<ConsumerRecord<byte[], byte[]>> resultRecords = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.results, true, r -> r.size() >= truth.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(),
                harness.deadLetters, true, r -> r.size() >= badByValue.size(), Duration.ofSeconds(30), Duration.ofSeconds(1));

        // Exactly one result per good frame, with the label the version that owns its time gives it.
        Map<String, FrameResult> byFrame = new HashMap<>();
        Map<String, Integer> perVersion = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : resultRecords) {
            FrameResult r = FrameResultJson.fromJson(record.value());
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(r.cameraId());
            String id = r.cameraId() + "@" + r.frameTs();
            assertThat(byFrame.put(id, r)).as("duplicate result for %s", id).isNull();
            String label = truth.get(id);
            assertThat(label).as("result for a frame never sent: %s", id).isNotNull();
            BuiltFrameModel expectedModel = r.frameTs() < boundary ? v1 : v2;
            assertThat(r.model()).as("lineage of %s", id).isEqualTo(expectedModel.id());
            if (expectedModel == v2 || !label.equals("bright")) {
                assertThat(r.label()).as("top-1 of %s (%s) by %s", id, label, r.model().version()).isEqualTo(label);
            } else {
                assertThat(r.label()).as("v1 never learned bright").isNotEqualTo("bright");
            }
            assertThat(r.topK().classes()).hasSize(config.topK());
            assertThat(r.topK().top1().score()).isBetween(0f, 1f);
            assertThat(r.width()).isEqualTo(WIDTH);
            assertThat(r.source()).startsWith(harness.frames + "/");
            assertThat(r.site()).isEqualTo(config.siteId());
            perVersion.merge(r.model().version(), 1, Integer::sum);
        }
        assertThat(byFrame).hasSize(truth.size());
        assertThat(perVersion.get("v1")).isEqualTo(CAMERAS * FRAMES_PER_CAMERA / 2);
        assertThat(perVersion.get("v2")).isEqualTo(CAMERAS * FRAMES_PER_CAMERA / 2);

        // Every bad frame, byte for byte, with its reason and its original headers.
        assertThat(deadLetters).hasSize(badByValue.size());
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            BadFrame kind = badByValue.get(key(letter.value()));
            assertThat(kind).as("dead letter that was not sent as bad").isNotNull();
            assertThat(new String(letter.headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(), StandardCharsets.UTF_8))
                    .as("reason for %s", kind).isEqualTo(kind.expectedReason());
            assertThat(letter.headers().lastHeader(DeadLetterSerializer.DETAIL_HEADER).value()).isNotEmpty();
            assertThat(new String(letter.headers().lastHeader(DeadLetterSerializer.SOURCE_HEADER).value(), StandardCharsets.UTF_8))
                    .startsWith(harness.frames + "/");
            if (kind != BadFrame.MISSING_TS) {
                assertThat(letter.headers().lastHeader(RawFrame.TS_HEADER)).as("original ts header of %s", kind).isNotNull();
            }
        }

        // No release was rejected.
        for (ConsumerRecord<byte[], byte[]> s : KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.status, false,
                r -> false, Duration.ofMillis(500), Duration.ZERO)) {
            ModelStatus status = ModelStatusJson.fromJson(s.value());
            assertThat(status.state()).as("status %s", status).isNotEqualTo(ModelStatus.State.REJECTED);
        }
    }

    private static String key(byte[] value) {
        return value.length + ":" + java.util.Arrays.hashCode(value);
    }
}
