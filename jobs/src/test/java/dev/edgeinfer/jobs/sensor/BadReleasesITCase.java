package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.releases.BadReleases;
import dev.edgeinfer.simulation.releases.BadReleases.BadRelease;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.SensorJobHarness;
import dev.edgeinfer.testutils.TestingModels;
import dev.edgeinfer.testutils.TestingSensorData;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every bad thing that can arrive on the control topic is rejected with its reason (a release on
 * every subtask, a record that is no release once per job) while the current version keeps
 * serving, a good release due sooner than an expensive one activates on time, and no input goes
 * missing. One job serves all cases (each test checks one kind); the job trusts one signing key
 * and confines file URIs to the models root.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadReleasesITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().miniCluster(1, 2).build();

    private static final int PARALLELISM = 2;

    private List<BadRelease> bad;
    private final List<ModelStatus> statuses = new ArrayList<>();
    private final List<SensorResult> results = new ArrayList<>();
    private long expectedWindows;
    private long badActivation;
    private long goodActivation;
    private ModelRelease v1;
    private ModelRelease v2;
    private KeyPair key;
    private SensorJobHarness harness;

    @BeforeAll
    void runTheJobThroughEveryBadRelease(@TempDir Path temp) throws Exception {
        BuiltModel first = TestingModels.v1();
        BuiltModel second = TestingModels.v2();
        harness = new SensorJobHarness(CLUSTER, null, 2);
        key = ReleaseSigning.generateKeyPair();
        Path publicKey = temp.resolve("trusted.pub");
        ReleaseSigning.writePublicKey(publicKey, key.getPublic());
        harness.conf.set(KafkaJobOptions.TRUSTED_KEYS, publicKey.toString());
        harness.conf.set(KafkaJobOptions.MODEL_CACHE_DIR, Files.createDirectories(temp.resolve("cache")).toString());
        harness.conf.set(SensorJobOptions.MODEL_NAME, first.id().name());
        SensorJobConfig config = harness.config();
        TestingSensorData data = new TestingSensorData(6, 240, config.channels(), 5L);
        expectedWindows = data.expectedWindows(config.windowSize(), config.windowSlide());
        badActivation = data.ts(80);
        goodActivation = data.ts(160);

        v1 = ReleaseSigning.sign(ReleaseFactory.fromFile(first.id().name(), "v1", first.file(), 0L, 100, "it", 1L), key);
        v2 = ReleaseSigning.sign(ReleaseFactory.fromFile(second.id().name(), "v2", second.file(), goodActivation, 100, "it", 2L), key);
        bad = BadReleases.prepare(second, TestingModels.dir(), key, badActivation, CLUSTER.bootstrapServers(), harness.blobs);
        ControlTopic control = new ControlTopic(CLUSTER.bootstrapServers(), harness.control);
        control.publish(v1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestUtils.producer(CLUSTER.bootstrapServers())) {
            for (BadRelease b : bad) {
                if (b.release() != null) {
                    control.publish(b.release());
                } else {
                    producer.send(new ProducerRecord<>(harness.control, b.id().getBytes(StandardCharsets.UTF_8), b.rawValue())).get();
                }
            }
        }
        control.publish(v2);

        CLUSTER.startJob("bad-releases-it", env -> SensorAnomalyJob.build(env, config));

        // Data only once every subtask has judged every release (the normal case: releases lead data).
        Set<String> badIds = new HashSet<>();
        bad.forEach(b -> badIds.add(b.id()));
        assertThat(KafkaTestUtils.eventually(() -> {
                    readStatuses(harness.status);
                    return rejectedPerSubtask(badIds) && stagedOnAllSubtasks(v2.releaseId());
                }, Duration.ofSeconds(90)))
                .as("every subtask judged every release; statuses so far: %s", statuses)
                .isTrue();

        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), data.records(harness.readings));
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), harness.results, true,
                rs -> rs.size() >= expectedWindows, Duration.ofSeconds(120), Duration.ofSeconds(2))) {
            results.add(SensorResultJson.fromJson(r.value()));
        }
        readStatuses(harness.status);
    }

    private void readStatuses(String topic) {
        statuses.clear();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), topic, false,
                rs -> false, Duration.ofMillis(300), Duration.ZERO)) {
            statuses.add(ModelStatusJson.fromJson(r.value()));
        }
    }

    private boolean rejectedPerSubtask(Set<String> ids) {
        for (BadRelease b : bad) {
            long subtasks = statuses.stream()
                    .filter(s -> s.state() == ModelStatus.State.REJECTED && b.id().equals(s.releaseId()))
                    .map(ModelStatus::subtask).distinct().count();
            if (subtasks < (b.release() == null ? 1 : PARALLELISM)) {
                return false;
            }
        }
        return ids.size() == bad.size();
    }

    private boolean stagedOnAllSubtasks(String id) {
        return statuses.stream().filter(s -> s.state() == ModelStatus.State.STAGED && id.equals(s.releaseId()))
                .map(ModelStatus::subtask).distinct().count() == PARALLELISM;
    }

    Stream<BadRelease> badReleases() {
        return bad.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badReleases")
    void badReleaseIsRejectedWithItsReasonOnEverySubtaskWhileTheCurrentVersionKeepsServing(BadRelease badRelease) {
        List<ModelStatus> about = statuses.stream().filter(s -> badRelease.id().equals(s.releaseId())).toList();
        assertThat(about).as("status reports about %s", badRelease.kind())
                .isNotEmpty()
                .allSatisfy(s -> {
                    assertThat(s.state()).isEqualTo(ModelStatus.State.REJECTED);
                    assertThat(s.reason()).isEqualTo(badRelease.expectedReason());
                    assertThat(s.detail()).isNotBlank();
                });
        if (badRelease.release() != null) {
            assertThat(about.stream().map(ModelStatus::subtask).distinct()).hasSize(PARALLELISM);
        } else {
            assertThat(about).as("a record that is no release: one verdict per job, by subtask 0, with its offset")
                    .singleElement()
                    .satisfies(s -> assertThat(s.subtask()).isZero())
                    .satisfies(s -> assertThat(s.detail()).contains("(" + harness.control + "/"));
        }

        // Serving continued on the right versions: v1 until v2's activation, through the bad ones' time.
        for (SensorResult r : results) {
            if (badRelease.release() != null) {
                assertThat(r.model()).isNotEqualTo(badRelease.release().modelId());
            }
            String expected = r.windowEnd() < goodActivation ? "v1" : "v2";
            assertThat(r.model().version()).as("version of window %s#%d at %d", r.deviceId(), r.window(), r.windowEnd())
                    .isEqualTo(expected);
        }
        assertThat(results.stream().filter(r -> r.windowEnd() >= badActivation && r.windowEnd() < goodActivation))
                .as("windows scored while the bad releases would have been active").isNotEmpty();
    }

    @Test
    void noInputWentMissingWhileBadReleasesArrived() {
        Set<String> distinct = new HashSet<>();
        results.forEach(r -> distinct.add(r.deviceId() + "#" + r.window()));
        assertThat(distinct).hasSize((int) expectedWindows);
        assertThat(results).hasSize((int) expectedWindows);
    }

    @Test
    void aReleaseDueSoonerThanTheExpensiveOneActivatedOnTime() {
        BadRelease expensive = bad.stream().filter(b -> "RESOURCE_LIMIT".equals(b.expectedReason())).findFirst()
                .orElseThrow();
        assertThat(expensive.release().activateAt()).isGreaterThan(goodActivation);
        assertThat(results.stream().filter(r -> r.windowEnd() >= goodActivation))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.model()).isEqualTo(v2.modelId()));
    }

    @Test
    void aWrongDeclaredSizeIsJudgedAlikeOnceTheBytesAreCached() throws Exception {
        BadRelease wrongSize = bad.stream().filter(b -> b.release() != null && "bad-size".equals(b.release().version()))
                .findFirst().orElseThrow();
        // v2 has the same bytes and is staged by now: they are in the TaskManager's cache.
        assertThat(stagedOnAllSubtasks(v2.releaseId())).isTrue();
        ModelRelease again = ReleaseSigning.sign(
                wrongSize.release().toBuilder().unsigned().version("bad-size-cached")
                        .activateAt(wrongSize.release().activateAt() + 7_200_000L) // after all data: not late
                        .build(),
                key);

        new ControlTopic(CLUSTER.bootstrapServers(), harness.control).publish(again);

        assertThat(KafkaTestUtils.eventually(() -> {
                    readStatuses(harness.status);
                    return statuses.stream().filter(s -> again.releaseId().equals(s.releaseId()))
                            .filter(s -> s.state() == ModelStatus.State.REJECTED)
                            .map(ModelStatus::subtask).distinct().count() == PARALLELISM;
                }, Duration.ofSeconds(60)))
                .isTrue();
        assertThat(statuses.stream().filter(s -> again.releaseId().equals(s.releaseId())))
                .allSatisfy(s -> assertThat(s.state()).isEqualTo(ModelStatus.State.REJECTED))
                .extracting(ModelStatus::reason)
                .containsOnly(wrongSize.expectedReason());
    }

    @Test
    void everyKindOfBadReleaseIsCovered() {
        assertThat(bad.stream().map(BadRelease::expectedReason).distinct())
                .containsExactlyInAnyOrder("CHECKSUM_MISMATCH", "NOT_ONNX", "SIGNATURE_MISMATCH", "EXTERNAL_DATA",
                        "TOO_LARGE", "UNKNOWN_SCHEME", "OUTSIDE_MODELS_ROOT", "MISSING_CHUNK", "UNSIGNED",
                        "BAD_SIGNATURE", "UNKNOWN_KEY", "NOT_SERVED", "MALFORMED_JSON", "RESOURCE_LIMIT",
                        "UNSUPPORTED_SCHEMA");
    }
}
