package dev.edgeinfer.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.cluster.JobSubmitter;
import dev.edgeinfer.cluster.LocalFlinkCluster;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.frames.FrameResult;
import dev.edgeinfer.jobs.frames.FrameResultJson;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.FrameJobHarness;
import dev.edgeinfer.testutils.JobHarness;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingFrames;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingPacedProducer;
import dev.edgeinfer.testutils.TestingSensorData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster job jar on a real Flink session cluster: a JobManager and two TaskManagers as
 * separate JVM processes ({@link LocalFlinkCluster}: Maven-resolved Flink jars, a
 * {@code config.yaml}, and {@code jobs/target/docker-lib} in their class path exactly as the image's
 * {@code lib/}, ONNX Runtime and DJL parent-first), the jar submitted over REST as {@code flink run}
 * does. The sensor job runs exactly-once; v2 is published while it runs, a TaskManager is killed
 * with SIGKILL mid-stream and a replacement started: every window is committed exactly once by the
 * version the timeline assigns. Then the frame job runs beside it on the same TaskManagers, is
 * cancelled and submitted again, and scores again: ONNX Runtime's JNI library is loaded once per
 * TaskManager JVM by the system class loader, so new user-code class loaders never load it again.
 */
class RealClusterITCase {

    @RegisterExtension
    static final EdgeInferCluster KAFKA = EdgeInferCluster.builder().build();

    private static final String SENSOR_JOB = "dev.edgeinfer.jobs.sensor.SensorAnomalyJob";
    private static final String FRAME_JOB = "dev.edgeinfer.jobs.frames.FrameClassificationJob";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theJobJarSurvivesAKilledTaskManagerProcessAndJobsShareTaskManagersAcrossResubmission() throws Exception {
        long began = System.nanoTime();
        Path jar = Path.of(System.getProperty("edgeinfer.jobJar", "target/edgeinfer.jar")).toAbsolutePath();
        Path dockerLib = Path.of(System.getProperty("edgeinfer.dockerLib", "target/docker-lib")).toAbsolutePath();
        Path work = Path.of("target", "real-cluster", Long.toString(System.currentTimeMillis())).toAbsolutePath();

        try (LocalFlinkCluster cluster = LocalFlinkCluster.builder(work).taskManagers(2).slots(3).libDir(dockerLib).start();
                JobSubmitter submitter = new JobSubmitter(cluster.restAddress())) {
            System.out.printf("[real-cluster] started in %d ms: REST %s, JobManager pid %d, TaskManagers %s%n",
                    millisSince(began), cluster.restAddress(), cluster.jobManagerPid(), cluster.taskManagerPids());

            // --- the sensor job, exactly-once, with a rollover and a killed TaskManager ---
            BuiltModel v1 = TestingModels.v1();
            BuiltModel v2 = TestingModels.v2();
            SensorJobHarness harness = new SensorJobHarness(KAFKA, v1, 4).exactlyOnce();
            harness.conf.set(KafkaJobOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1));
            SensorJobConfig config = harness.config();
            TestingSensorData data = new TestingSensorData(8, 500, config.channels(), 31L);
            List<ProducerRecord<byte[], byte[]>> records = data.records(harness.readings);
            long expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());
            long switchAt = data.ts(data.readingsPerDevice * 7 / 10);
            System.out.printf("[real-cluster] sensor inputs: %d devices x %d readings (%d records), %d windows expected, "
                    + "v1 initial, v2 from event time %s%n", data.devices, data.readingsPerDevice, records.size(),
                    expectedWindows, Instant.ofEpochMilli(switchAt));

            JobID sensor = cluster.submit(jar, SENSOR_JOB, args(harness), 2);
            assertThat(submitter.awaitStatus(sensor, JobStatus.RUNNING, Duration.ofSeconds(60))).as("sensor job running").isTrue();
            TestingPacedProducer producer = TestingPacedProducer.start(KAFKA.bootstrapServers(), records);
            String bootstrap = KAFKA.bootstrapServers();

            // A rollover during the run: v2 is published once results are committed, to activate
            // at an event time the producer has not reached yet.
            assertThat(KafkaTestUtils.eventually(() -> KafkaTestUtils.count(bootstrap, harness.results, true) > 0,
                    Duration.ofSeconds(120))).as("first committed results").isTrue();
            new ControlTopic(bootstrap, harness.control)
                    .publish(ReleaseFactory.fromFile(v2.id().name(), "v2", v2.file(), switchAt, 100, "it", 2L));

            // kill -9 a TaskManager running part of the job, mid-stream, after some checkpoints.
            assertThat(KafkaTestUtils.eventually(() -> KafkaTestUtils.count(bootstrap, harness.results, true)
                    > expectedWindows / 4, Duration.ofSeconds(120))).as("committed results before the kill").isTrue();
            assertThat(producer.isRunning()).as("the producer must still run when the TaskManager dies").isTrue();
            Set<String> before = taskManagersOf(cluster, sensor);
            assertThat(before).as("the job's subtasks spread over both TaskManagers").hasSize(2);
            String victim = before.iterator().next();
            long killedAt = System.nanoTime();
            long pid = cluster.killTaskManager(victim);
            int committedAtKill = KafkaTestUtils.count(bootstrap, harness.results, true);
            String replacement = cluster.startTaskManager();
            System.out.printf("[real-cluster] sensor job on %s; killed %s (pid %d, SIGKILL) at +%d ms with %d windows "
                    + "committed; started %s%n", before, victim, pid, millisSince(began), committedAtKill, replacement);
            assertThat(KafkaTestUtils.eventually(() -> failures(cluster, sensor) >= 1, Duration.ofSeconds(60)))
                    .as("Flink saw the TaskManager's loss").isTrue();
            assertThat(KafkaTestUtils.eventually(() -> allRunningOnLiveTaskManagers(cluster, sensor), Duration.ofSeconds(120)))
                    .as("every subtask running again on a live TaskManager").isTrue();
            Set<String> after = taskManagersOf(cluster, sensor);
            System.out.printf("[real-cluster] every subtask RUNNING again %d ms after the kill, on %s%n",
                    millisSince(killedAt), after);
            Set<String> survivors = new TreeSet<>(before);
            survivors.remove(victim);
            assertThat(after).as("the job restarted in the surviving TaskManager JVM too (a new user-code class loader)")
                    .containsAll(survivors);

            assertThat(producer.await(180)).as("producer failure").isNull();
            List<ConsumerRecord<byte[], byte[]>> committed = KafkaTestUtils.readUntil(bootstrap, harness.results, true,
                    r -> r.size() >= expectedWindows, Duration.ofSeconds(180), Duration.ofSeconds(3));

            Map<String, Integer> perWindow = new HashMap<>();
            Map<String, Integer> perVersion = new HashMap<>();
            int misrouted = 0;
            for (ConsumerRecord<byte[], byte[]> record : committed) {
                SensorResult r = SensorResultJson.fromJson(record.value());
                perWindow.merge(r.deviceId() + "#" + r.window(), 1, Integer::sum);
                perVersion.merge(r.model().version(), 1, Integer::sum);
                BuiltModel expected = r.windowEnd() < switchAt ? v1 : v2;
                if (!expected.id().equals(r.model())) {
                    misrouted++;
                }
            }
            System.out.printf("[real-cluster] sensor: %d committed results, %d distinct windows of %d, per version %s, "
                    + "misrouted %d, failures seen by Flink %d%n", committed.size(), perWindow.size(), expectedWindows,
                    perVersion, misrouted, failures(cluster, sensor));
            assertThat(perWindow.values()).as("every window exactly once").allMatch(n -> n == 1);
            assertThat(perWindow).as("no window lost").hasSize((int) expectedWindows);
            assertThat(committed).hasSize((int) expectedWindows);
            assertThat(misrouted).as("results scored by another version than the timeline's").isZero();
            assertThat(perVersion).as("both versions served").containsKeys("v1", "v2");

            // --- the frame job beside it on the same TaskManagers, cancelled and submitted again ---
            Path models = Files.createDirectories(work.resolve("frame-models"));
            BuiltFrameModel frameV1 = FrameModelFactory.build(FrameModelFactory.Spec.v1(), models);
            // Parallelism 4 takes every slot the sensor job leaves free: the two jobs share TaskManager JVMs.
            FrameJobHarness frames = new FrameJobHarness(KAFKA, models, 4);
            frames.conf.set(KafkaJobOptions.PARALLELISM, 4);
            new ControlTopic(bootstrap, frames.control).publish(ReleaseFactory.fromFile(frameV1.id().name(), "v1",
                    frameV1.file(), 0L, 100, "it", 1L, frameV1.releaseMetadata()));
            TestingFrames input = new TestingFrames(frames.frames, 7);
            for (int i = 0; i < TestingFrames.FRAMES_PER_CAMERA / 4; i++) {
                input.addRow(i);
            }
            KafkaTestUtils.produceAll(bootstrap, input.records);
            int frameCount = input.truth.size();

            JobID first = cluster.submit(jar, FRAME_JOB, args(frames), 4);
            assertThat(countFrames(bootstrap, frames.results, frameCount)).as("frame results, first submission")
                    .isGreaterThanOrEqualTo(frameCount);
            assertThat(submitter.status(sensor)).as("the sensor job runs beside it").isEqualTo(JobStatus.RUNNING);
            Set<String> sensorOn = taskManagersOf(cluster, sensor);
            Set<String> firstOn = taskManagersOf(cluster, first);
            assertThat(firstOn).as("the frame job shares a TaskManager JVM with the sensor job").containsAnyElementsOf(sensorOn);
            submitter.cancel(first);
            frames.conf.set(FrameJobOptions.GROUP_ID, frames.conf.get(FrameJobOptions.GROUP_ID) + "-again");
            frames.conf.set(FrameJobOptions.TRANSACTIONAL_ID_PREFIX, frames.conf.get(FrameJobOptions.TRANSACTIONAL_ID_PREFIX) + "-again");
            JobID second = cluster.submit(jar, FRAME_JOB, args(frames), 4);
            assertThat(countFrames(bootstrap, frames.results, 2 * frameCount))
                    .as("frame results after the resubmission (a new user-code class loader on the same TaskManagers)")
                    .isGreaterThanOrEqualTo(2 * frameCount);
            Set<String> secondOn = taskManagersOf(cluster, second);
            System.out.printf("[real-cluster] frames: %d per submission, scored by both submissions (%s on %s, %s on %s), "
                    + "beside the sensor job on %s%n", frameCount, first, firstOn, second, secondOn, sensorOn);
            assertThat(secondOn).as("the resubmitted job runs in a TaskManager JVM that ran the cancelled one")
                    .containsAnyElementsOf(firstOn);
            submitter.cancel(second);
            submitter.cancel(sensor);

            String logs = cluster.logs();
            assertThat(logs).doesNotContain("already loaded in another classloader").doesNotContain("UnsatisfiedLinkError");
            System.out.printf("[real-cluster] done in %d ms; logs in %s%n", millisSince(began), cluster.logDir());
        }
    }

    /** The job's configuration as {@code flink run} arguments ({@code --key value}). */
    private static List<String> args(JobHarness harness) {
        List<String> args = new ArrayList<>();
        harness.conf.toMap().forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }

    /** Reads {@code topic} until {@code expected} results are there (or 120 s); their number, each checked to parse. */
    private static int countFrames(String bootstrap, String topic, int expected) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestUtils.readUntil(bootstrap, topic, true,
                r -> r.size() >= expected, Duration.ofSeconds(120), Duration.ofSeconds(1));
        for (ConsumerRecord<byte[], byte[]> record : records) {
            FrameResult r = FrameResultJson.fromJson(record.value());
            assertThat(r.model().version()).isEqualTo("v1");
        }
        return records.size();
    }

    /** The TaskManagers (resource ids) running subtasks of {@code job}. */
    private static Set<String> taskManagersOf(LocalFlinkCluster cluster, JobID job) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (JsonNode vertex : JSON.readTree(cluster.get("/jobs/" + job)).path("vertices")) {
            JsonNode tms = JSON.readTree(cluster.get("/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/taskmanagers"));
            for (JsonNode tm : tms.path("taskmanagers")) {
                ids.add(tm.path("taskmanager-id").asText());
            }
        }
        return ids;
    }

    /** Every vertex of {@code job} RUNNING, only on TaskManagers that are alive (REST answers are cached ~3 s). */
    private static boolean allRunningOnLiveTaskManagers(LocalFlinkCluster cluster, JobID job) {
        try {
            for (JsonNode vertex : JSON.readTree(cluster.get("/jobs/" + job)).path("vertices")) {
                if (!"RUNNING".equals(vertex.path("status").asText())) {
                    return false;
                }
            }
            Set<String> on = taskManagersOf(cluster, job);
            return !on.isEmpty() && cluster.taskManagerPids().keySet().containsAll(on);
        } catch (Exception e) {
            return false;
        }
    }

    /** Failures in the job's exception history (REST). */
    private static int failures(LocalFlinkCluster cluster, JobID job) {
        try {
            return JSON.readTree(cluster.get("/jobs/" + job + "/exceptions")).path("exceptionHistory").path("entries").size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
