package dev.edgeinfer.jobs.frames;

import static dev.edgeinfer.testutils.TestingFrames.CAMERAS;
import static dev.edgeinfer.testutils.TestingFrames.FRAMES_PER_CAMERA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.operators.frames.ImageModelMetadata;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.testutils.ControlTopicBarrier;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.FrameJobHarness;
import dev.edgeinfer.testutils.JobOutputs;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.RolloverAssertions;
import dev.edgeinfer.testutils.TestingFrames;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rollover that changes only a release's metadata (the same model bytes at the same URI,
 * relabelled): frames from the activation on are labelled with the new release's labels. The
 * translator is built from each release's metadata, so two releases of the same bytes must not
 * share a translator when their metadata differ.
 */
class FrameRelabelRolloverITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    private static final int PARALLELISM = 2;

    @TempDir Path models;

    @Test
    void aRelabellingReleaseOfTheSameBytesLabelsEveryFrameFromItsActivationWithItsOwnLabels() throws Exception {
        BuiltFrameModel model = FrameModelFactory.build(FrameModelFactory.Spec.v2(), models);
        FrameJobHarness harness = new FrameJobHarness(CLUSTER, models, 4);
        FrameJobConfig config = harness.config();
        String bootstrap = CLUSTER.bootstrapServers();

        TestingFrames frames = new TestingFrames(harness.frames, 5);
        long boundary = frames.middle();
        Map<String, String> relabelled = new TreeMap<>(model.releaseMetadata());
        List<String> newLabels = new ArrayList<>();
        for (String label : FrameModelFactory.LABELS) {
            newLabels.add(relabel(label));
        }
        relabelled.put(ImageModelMetadata.LABELS, String.join(",", newLabels));
        ModelRelease original = ReleaseFactory.fromFile(model.id().name(), "v2", model.file(), 0L, 100, "it", 1L,
                model.releaseMetadata());
        ModelRelease relabel = ReleaseFactory.fromFile(model.id().name(), "v2-relabelled", model.file(), boundary, 100,
                "it", 2L, relabelled);
        assertThat(relabel.sha256()).isEqualTo(original.sha256());
        assertThat(relabel.uri()).isEqualTo(original.uri());
        ReleaseTimeline timeline = ReleaseTimeline.of(List.of(original, relabel));

        ControlTopic control = new ControlTopic(bootstrap, harness.control);
        control.publish(original);
        control.publish(relabel);
        CLUSTER.startJob("frame-relabel-rollover-it", env -> FrameClassificationJob.build(env, config));
        ControlTopicBarrier.publishAndAwait(control, bootstrap, harness.status, PARALLELISM, Duration.ofSeconds(60));

        for (int i = 0; i < FRAMES_PER_CAMERA; i++) {
            frames.addRow(i);
        }
        Map<String, String> truth = frames.truth;
        KafkaTestUtils.produceAll(bootstrap, frames.records);

        List<ConsumerRecord<byte[], byte[]>> resultRecords = KafkaTestUtils.readUntil(bootstrap, harness.results, true,
                r -> r.size() >= truth.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
        Map<String, FrameResult> byFrame = new HashMap<>();
        int relabelledResults = 0;
        for (ConsumerRecord<byte[], byte[]> record : resultRecords) {
            FrameResult r = FrameResultJson.fromJson(record.value());
            String id = r.cameraId() + "@" + r.frameTs();
            assertThat(byFrame.put(id, r)).as("duplicate result for %s", id).isNull();
            assertThat(truth).as("result for a frame never sent: %s", id).containsKey(id);
            ModelRelease owner = timeline.resolve(model.id().name(), r.frameTs(), r.cameraId()).orElseThrow();
            assertThat(r.model()).as("lineage of %s", id).isEqualTo(owner.modelId());
            String expectedLabel = owner == relabel ? relabel(truth.get(id)) : truth.get(id);
            assertThat(r.label()).as("top-1 of %s by %s", id, owner.version()).isEqualTo(expectedLabel);
            if (owner == relabel) {
                relabelledResults++;
            }
        }
        assertThat(byFrame).hasSize(truth.size());
        assertThat(relabelledResults).isEqualTo(CAMERAS * FRAMES_PER_CAMERA / 2);

        List<ModelStatus> statuses = JobOutputs.statuses(bootstrap, harness.status);
        RolloverAssertions.assertNoLateActivationOrRejection(statuses, model.id().name());
    }

    private static String relabel(String label) {
        return "relabelled-" + label.toUpperCase(Locale.ROOT);
    }
}
