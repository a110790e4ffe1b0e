package dev.edgeinfer.jobs.controller;

import static dev.edgeinfer.testutils.TestingHeartbeats.LOW_SCORES;
import static dev.edgeinfer.testutils.TestingHeartbeats.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;
import dev.edgeinfer.jobs.config.ControllerJobConfig;
import dev.edgeinfer.jobs.config.ControllerJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingHeartbeats;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller job on a real broker and MiniCluster: fed a canary's failing heartbeats (after a
 * malformed record and one of an unknown schema), it publishes a rollback signed with its own key
 * to the control topic and explains it on the status topic, and keeps running.
 */
class RolloutControllerITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    private static final long T0 = 1_767_225_600_000L;

    @Test
    void rollsBackAFailingCanaryWithASignedReleaseAndSkipsBadStatusRecords(@TempDir Path keys) throws Exception {
        String control = CLUSTER.compactedTopic("control", 1);
        String status = CLUSTER.topic("status", 1);
        KeyPair key = ReleaseSigning.generateKeyPair();
        ReleaseSigning.writePrivateKey(keys.resolve("controller.key"), key.getPrivate());
        ReleaseSigning.writePublicKey(keys.resolve("controller.pub"), key.getPublic());

        ModelRelease v1 = TestingHeartbeats.full("v1", 0);
        ReleaseTarget wave1 = ReleaseTarget.of(List.of("plant-1"), List.of());
        ModelRelease canary = TestingHeartbeats.release("v2", T0, 20, wave1);
        ControlTopic topic = new ControlTopic(CLUSTER.bootstrapServers(), control);
        topic.publish(v1);
        topic.publish(canary);

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(new ProducerRecord<>(status, bytes("plant-9/job/0"), bytes("{\"schema\":1,\"type\":\"status\",")));
        records.add(new ProducerRecord<>(status, bytes("plant-9/job/0"), bytes("{\"schema\":42,\"type\":\"status\"}")));
        for (int i = 1; i <= 3; i++) {
            ModelStatus beat = heartbeat("plant-1", canary, T0 + i * 10_000L, 1_000, 100, LOW_SCORES, 2_000);
            records.add(new ProducerRecord<>(status, bytes(beat.key()), ModelStatusJson.toJson(beat)));
        }
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), records);

        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, CLUSTER.bootstrapServers());
        conf.set(KafkaJobOptions.CONTROL_TOPIC, control);
        conf.set(KafkaJobOptions.STATUS_TOPIC, status);
        conf.set(KafkaJobOptions.PARALLELISM, 1);
        conf.set(ControllerJobOptions.SIGNING_KEY, keys.resolve("controller.key").toString());
        conf.set(ControllerJobOptions.MIN_RECORDS, 500);
        ControllerJobConfig config = ControllerJobConfig.from(conf);
        JobClient job = CLUSTER.startJob(RolloutControllerJob.JOB_NAME, env -> RolloutControllerJob.build(env, config));

        List<ConsumerRecord<byte[], byte[]>> onControl = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), control,
                false, r -> r.size() >= 3, Duration.ofSeconds(90), Duration.ofSeconds(1));
        assertThat(onControl).as("v1, the canary and one rollback").hasSize(3);
        ModelRelease rollback = ModelReleaseJson.fromJson(onControl.get(2).value());
        assertThat(new String(onControl.get(2).key(), StandardCharsets.UTF_8)).isEqualTo(rollback.releaseId());
        assertThat(rollback.version()).isEqualTo("v1");
        assertThat(rollback.targets()).isEqualTo(wave1);
        assertThat(rollback.activateAt()).isEqualTo(T0 + 10_000 + 5_000);
        assertThat(rollback.metadata(ModelRollout.META_JUDGED)).isEqualTo(canary.releaseId());
        assertThat(ReleaseSigning.verify(rollback, TrustedKeys.of(key.getPublic())))
                .isEqualTo(ReleaseSigning.keyId(key.getPublic()));

        List<ConsumerRecord<byte[], byte[]>> onStatus = KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), status,
                false, r -> r.stream().anyMatch(c -> RolloutDecisionJson.isDecision(c.value())), Duration.ofSeconds(60),
                Duration.ZERO);
        RolloutDecision decision = onStatus.stream().filter(c -> RolloutDecisionJson.isDecision(c.value()))
                .map(c -> RolloutDecisionJson.fromJson(c.value())).findFirst().orElseThrow();
        assertThat(decision.action()).isEqualTo(RolloutDecision.Action.ROLLBACK);
        assertThat(decision.reason()).isEqualTo("ERROR_RATE");
        assertThat(decision.releaseId()).isEqualTo(rollback.releaseId());
        assertThat(decision.signedBy()).isEqualTo(rollback.signedBy());
        assertThat(decision.evidence().records()).isEqualTo(1_000);
        assertThat(job.getJobStatus().get()).as("bad status records were skipped").isEqualTo(JobStatus.RUNNING);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
