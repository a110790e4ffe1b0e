package dev.edgeinfer.jobs.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.jobs.kafka.DeadLetterSerializer;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.frames.SyntheticFrames.BadFrame;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.testutils.FrameJobHarness;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.LeakChecks;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The frame pipeline end to end on real parts: a KRaft broker, a Flink MiniCluster at
 * parallelism 2, a real CNN in ONNX served through DJL's ONNX Runtime engine, releases with image
 * metadata on the control topic and a rollover from v1 to v2 at a frame time in the middle of the
 * data.
 */
class FramePipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int CAMERAS = 4;
    private static final int FRAMES_PER_CAMERA = 40;
    private static final int WIDTH = 160;
    private static final int HEIGHT = 120;

    private static EmbeddedKafkaBroker kafka;
    @TempDir Path models;
    private JobClient job;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @AfterEach
    void cancelJobAndCheckNothingLeaked() throws Exception {
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        LeakChecks.assertNoOnnxSessionOrKafkaProducerLeft();
    }

    @Test
    void everyGoodFrameIsClassifiedOnceByTheRightVersionAndEveryBadFrameIsDeadLetteredWithItsReason() throws Exception {
        BuiltFrameModel v1 = FrameModelFactory.build(FrameModelFactory.Spec.v1(), models);
        BuiltFrameModel v2 = FrameModelFactory.build(FrameModelFactory.Spec.v2(), models);
        FrameJobHarness harness = new FrameJobHarness(kafka, models, 4);
        FrameJobConfig config = harness.config();

        long base = System.currentTimeMillis() - 60_000;
        long boundary = base + (FRAMES_PER_CAMERA / 2) * 33L;
        ControlTopic control = new ControlTopic(kafka.bootstrapServers(), harness.control);
        control.publish(ReleaseFactory.fromFile(v1.id().name(), "v1", v1.file(), 0L, 100, "it", 1L, v1.releaseMetadata()));
        control.publish(ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), boundary, 100, "it", 2L, v2.releaseMetadata()));

        SplittableRandom random = new SplittableRandom(11);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, String> truth = new HashMap<>();
        Map<String, BadFrame> badByValue = new HashMap<>();
        for (int i = 0; i < FRAMES_PER_CAMERA; i++) {
            for (int c = 0; c < CAMERAS; c++) {
                String camera = "cam-" + c;
                long ts = base + i * 33L + c;
                String label = SyntheticFrames.LABELS.get(random.nextInt(SyntheticFrames.LABELS.size()));
                byte[] jpeg = SyntheticFrames.jpeg(SyntheticFrames.rgb(label, WIDTH, HEIGHT, random), WIDTH, HEIGHT, 0.85f);
                records.add(SyntheticFrames.record(harness.frames, camera, ts, jpeg, WIDTH, HEIGHT));
                truth.put(camera + "@" + ts, label);
            }
            if (i % 3 == 1 && i / 3 < BadFrame.values().length) {
                BadFrame kind = BadFrame.values()[i / 3];
                ProducerRecord<byte[], byte[]> bad = SyntheticFrames.bad(kind, harness.frames, "cam-0", base + i * 33L + 1,
                        WIDTH, HEIGHT, config.maxRecordBytes(), random);
                records.add(bad);
                badByValue.put(key(bad.value()), kind);
            }
        }
        assertThat(badByValue).hasSize(BadFrame.values().length);
        KafkaTestUtils.produceAll(kafka.bootstrapServers(), records);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FrameClassificationJob.build(env, config);
        job = env.executeAsync("frame-pipeline-it");

        List<ConsumerRecord<byte[], byte[]>> resultRecords = KafkaTestUtils.readUntil(kafka.bootstrapServers(),
                harness.results, true, r -> r.size() >= truth.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaTestUtils.readUntil(kafka.bootstrapServers(),
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
        for (ConsumerRecord<byte[], byte[]> s : KafkaTestUtils.readUntil(kafka.bootstrapServers(), harness.status, false,
                r -> false, Duration.ofMillis(500), Duration.ZERO)) {
            ModelStatus status = ModelStatusJson.fromJson(s.value());
            assertThat(status.state()).as("status %s", status).isNotEqualTo(ModelStatus.State.REJECTED);
        }
    }

    private static String key(byte[] value) {
        return value.length + ":" + java.util.Arrays.hashCode(value);
    }
}
