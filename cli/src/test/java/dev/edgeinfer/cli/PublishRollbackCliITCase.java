package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingModels;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * {@code edgeinfer publish} and {@code edgeinfer rollback} against a real (embedded, KRaft)
 * broker, with real ONNX files: what lands on the control topic, under which key, activating
 * when, and what the commands print.
 */
class PublishRollbackCliITCase {

    private static final String MODEL = "sensor-anomaly";
    /** A fixed activation in the past: v1 owns all event time before v2. */
    private static final String V1_AT = "2020-01-01T00:00:00Z";

    /** Its leak check covers what the commands open: producers, consumers and admin clients. */
    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().leakTimeout(Duration.ofSeconds(10)).build();

    private record Run(int exitCode, String out, String err, long startedAt, long endedAt) {}

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long started = System.currentTimeMillis();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        long ended = System.currentTimeMillis();
        // Shown in the test's output file, to see what a user sees.
        System.out.printf("$ edgeinfer %s%n%s%s(exit %d, %d ms)%n%n", String.join(" ", args), out, err, code, ended - started);
        return new Run(code, out.toString(), err.toString(), started, ended);
    }

    private static Run publish(String topic, String version, BuiltModel file, String... extra) {
        String[] base = {"publish", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic,
                "--model", MODEL, "--version", version, "--file", file.file().toString()};
        return cli(concat(base, extra));
    }

    private static Run rollback(String topic, String to, String... extra) {
        String[] base = {"rollback", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic, "--model", MODEL, "--to", to};
        return cli(concat(base, extra));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String controlTopic() {
        return CLUSTER.compactedTopic("control", 1);
    }

    private static List<ConsumerRecord<byte[], byte[]>> rawRecords(String topic, int expected) {
        return KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), topic, true, r -> r.size() >= expected,
                Duration.ofSeconds(20), Duration.ofMillis(500));
    }

    /**
     * Everything on the topic now. The commands wait for the broker's acknowledgement before
     * they return, so a record they wrote is readable at once; a second is ample.
     */
    private static List<ConsumerRecord<byte[], byte[]>> allRecordsNow(String topic) {
        return KafkaTestUtils.readUntil(CLUSTER.bootstrapServers(), topic, true, r -> false,
                Duration.ofSeconds(1), Duration.ZERO);
    }

    private static ModelRelease only(List<ModelRelease> releases, String version, long activateAt) {
        List<ModelRelease> matching = releases.stream()
                .filter(r -> r.version().equals(version) && r.activateAt() == activateAt).toList();
        assertThat(matching).as("releases of %s at %d in %s", version, activateAt, releases).hasSize(1);
        return matching.get(0);
    }

    /** The file's fields as the release must carry them (sha256, size, URI, signature). */
    private static void assertDescribes(ModelRelease release, BuiltModel model) throws Exception {
        ModelRelease expected = ReleaseFactory.fromFile(MODEL, model.id().version(), model.file(), 0, 100, "x", 0);
        assertThat(release.model()).isEqualTo(MODEL);
        assertThat(release.sha256()).isEqualTo(model.id().sha256()).isEqualTo(expected.sha256());
        assertThat(release.sizeBytes()).isEqualTo(Files.size(model.file()));
        assertThat(release.uri()).isEqualTo(model.file().toAbsolutePath().normalize().toUri().toString()).startsWith("file:");
        assertThat(release.signature()).isEqualTo(expected.signature());
    }

    @Test
    void publishV1AndV2ThenRefuseAChangedV2ThenRollBackToV1() throws Exception {
        String topic = controlTopic();
        BuiltModel v1 = TestingModels.v1();
        BuiltModel v2 = TestingModels.v2();
        long v1At = Instant.parse(V1_AT).toEpochMilli();

        // v1, activating in the past.
        Run p1 = publish(topic, "v1", v1, "--activate-at", V1_AT, "--publisher", "alice@ml-team");
        assertThat(p1.exitCode()).as("publish v1: %s%s", p1.out(), p1.err()).isZero();
        assertThat(p1.out()).contains("publishing sensor-anomaly v1").contains(v1.id().sha256().substring(0, 12))
                .contains("activates at " + V1_AT + " (event time " + v1At + ")")
                .containsPattern("\\d+ s ago \\(\\d+d \\d+h \\d+m\\) \u2014 sites that already scored later data apply it at once "
                        + "and report LATE_ACTIVATION")
                .contains("100% (full activation)");

        // v2, activating 10 s (the default lead) after publication.
        Run p2 = publish(topic, "v2", v2, "--publisher", "alice@ml-team");
        assertThat(p2.exitCode()).as("publish v2: %s%s", p2.out(), p2.err()).isZero();

        List<ModelRelease> afterV2 = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll();
        assertThat(afterV2).hasSize(2);
        ModelRelease r1 = only(afterV2, "v1", v1At);
        ModelRelease r2 = afterV2.stream().filter(r -> r.version().equals("v2")).findFirst().orElseThrow();
        assertDescribes(r1, v1);
        assertDescribes(r2, v2);
        assertThat(r1.publishedAt()).isBetween(p1.startedAt(), p1.endedAt());
        assertThat(r2.publishedAt()).isBetween(p2.startedAt(), p2.endedAt());
        assertThat(r2.activateAt()).isEqualTo(r2.publishedAt() + 10_000);
        assertThat(List.of(r1, r2)).allSatisfy(r -> {
            assertThat(r.canaryPercent()).isEqualTo(100);
            assertThat(r.publisher()).isEqualTo("alice@ml-team");
        });
        assertThat(p2.out()).contains("publishing sensor-anomaly v2")
                .contains("release id   " + r2.releaseId())
                .contains("sha256       " + r2.sha256().substring(0, 12) + "...")
                .contains("activates at " + r2.activateAtIso() + " (event time " + r2.activateAt() + "), in 10 s")
                .contains("published " + r2.releaseId())
                .contains("timeline of sensor-anomaly (2 activations")
                .containsPattern("v1 +from " + V1_AT)
                .containsPattern("v2 +from " + r2.activateAtIso() + " .*<- this release");

        // Keys are release ids (one per activation, so compaction keeps the history).
        List<ConsumerRecord<byte[], byte[]>> raw = rawRecords(topic, 2);
        assertThat(raw).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly(r1.releaseId(), r2.releaseId());

        // v2 again with other bytes: versions are immutable ids -> refused, nothing written.
        Run changed = publish(topic, "v2", v1);
        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.err()).contains("version v2 of sensor-anomaly is already on " + topic + " with other bytes")
                .contains(v1.id().sha256()).contains(v2.id().sha256()).contains(r2.releaseId());
        assertThat(changed.out()).doesNotContain("published");
        assertThat(allRecordsNow(topic)).hasSize(2);

        // Rollback to v1, after v2's activation.
        Run back = rollback(topic, "v1", "--activate-in", "20s");
        assertThat(back.exitCode()).as("rollback: %s%s", back.out(), back.err()).isZero();
        List<ModelRelease> afterRollback = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll();
        assertThat(afterRollback).hasSize(3);
        ModelRelease rb = afterRollback.stream()
                .filter(r -> r.version().equals("v1") && r.activateAt() != v1At).findFirst().orElseThrow();
        assertDescribes(rb, v1);
        assertThat(rb.activateAt()).isGreaterThan(r2.activateAt()).isEqualTo(rb.publishedAt() + 20_000);
        assertThat(rb.publishedAt()).isBetween(back.startedAt(), back.endedAt());
        assertThat(rb.publisher()).isEqualTo("rollback by " + System.getProperty("user.name"));
        assertThat(rb.canaryPercent()).isEqualTo(100);
        assertThat(rb.releaseId()).isNotIn(r1.releaseId(), r2.releaseId());
        assertThat(back.out())
                .contains("rollback sensor-anomaly: v2 -> v1 at " + rb.activateAtIso() + " (in 20 s)")
                .contains("published " + rb.releaseId())
                .contains("timeline of sensor-anomaly (3 activations")
                .containsPattern("v1 +from " + rb.activateAtIso() + " .*rollback by .*<- this release");
        raw = rawRecords(topic, 3);
        assertThat(raw).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly(r1.releaseId(), r2.releaseId(), rb.releaseId());

        // What the jobs will do with it.
        ReleaseTimeline timeline = ReleaseTimeline.of(afterRollback);
        assertThat(timeline.activations(MODEL)).extracting(ModelRelease::releaseId)
                .containsExactly(r1.releaseId(), r2.releaseId(), rb.releaseId());
        assertThat(timeline.resolve(MODEL, r2.activateAt() - 1, "dev-1")).contains(r1);
        assertThat(timeline.resolve(MODEL, r2.activateAt(), "dev-1")).contains(r2);
        assertThat(timeline.resolve(MODEL, rb.activateAt() - 1, "dev-1")).contains(r2);
        assertThat(timeline.resolve(MODEL, rb.activateAt(), "dev-1")).contains(rb);

        // Rolling back to a version that was never published names the ones that were.
        Run unknown = rollback(topic, "v9");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("version v9 of sensor-anomaly was never published on " + topic)
                .contains("versions there: v1, v2");
        Run otherModel = cli("rollback", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic,
                "--model", "no-such-model", "--to", "v1");
        assertThat(otherModel.exitCode()).isEqualTo(2);
        assertThat(otherModel.err()).contains("model no-such-model has no releases").contains("sensor-anomaly");
        assertThat(allRecordsNow(topic)).hasSize(3);
    }

    @Test
    void aCanaryNamesItsBaseAndARollbackReplacesIt() throws Exception {
        String topic = controlTopic();
        assertThat(publish(topic, "v1", TestingModels.v1(), "--activate-at", V1_AT).exitCode()).isZero();
        Run canary = publish(topic, "v2", TestingModels.v2(), "--canary", "25", "--activate-in", "5s");
        assertThat(canary.exitCode()).as("%s%s", canary.out(), canary.err()).isZero();
        assertThat(canary.out()).contains("canary 25% of keys (canary bucket < 25); the others keep v1")
                .containsPattern("v2 +from \\S+ +canary 25% over v1");

        // The same bytes again under the same version is not a conflict: another activation.
        Run full = publish(topic, "v2", TestingModels.v2(), "--activate-in", "1h");
        assertThat(full.exitCode()).as("%s%s", full.out(), full.err()).isZero();
        assertThat(full.out()).contains("in 3600 s (1h 0m)");

        Run back = rollback(topic, "v1", "--activate-in", "30s");
        assertThat(back.exitCode()).as("%s%s", back.out(), back.err()).isZero();
        assertThat(back.out()).contains("rollback sensor-anomaly: v2 (canary 25% over v1) -> v1 at ")
                .contains("note: v2 stays scheduled at ");

        List<ModelRelease> releases = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll();
        assertThat(releases).hasSize(4);
        assertThat(releases.stream().filter(ModelRelease::isCanary).toList())
                .singleElement().satisfies(r -> assertThat(r.canaryPercent()).isEqualTo(25));
        ModelRelease last = releases.stream().max(Comparator.comparingLong(ModelRelease::activateAt)).orElseThrow();
        assertThat(last.version()).isEqualTo("v2");
    }

    @Test
    void aSiteScopedCanaryIsPromotedToAFullActivationForEverySite() throws Exception {
        String topic = controlTopic();
        assertThat(publish(topic, "v1", TestingModels.v1(), "--activate-at", V1_AT).exitCode()).isZero();
        Run wave = publish(topic, "v2", TestingModels.v2(), "--canary", "10", "--sites", "plant-1,plant-2",
                "--site-label", "wave=1", "--activate-in", "5s");
        assertThat(wave.exitCode()).as("%s%s", wave.out(), wave.err()).isZero();
        assertThat(wave.out()).contains("applies to   sites [plant-1, plant-2] labels [wave=1]");

        Run promote = cli("promote", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic, "--model", MODEL,
                "--version", "v2", "--activate-in", "10s");
        assertThat(promote.exitCode()).as("%s%s", promote.out(), promote.err()).isZero();
        assertThat(promote.out()).contains("promote sensor-anomaly v2: v2 (canary 10% over v1) of sites [plant-1, plant-2]");
        Run again = cli("promote", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic, "--model", MODEL,
                "--version", "v2");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("nothing to widen");

        List<ModelRelease> releases = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll();
        assertThat(releases).hasSize(3);
        ModelRelease scoped = releases.stream().filter(ModelRelease::isCanary).findFirst().orElseThrow();
        assertThat(scoped.targets().sites()).containsExactly("plant-1", "plant-2");
        ModelRelease promoted = releases.stream().max(Comparator.comparingLong(ModelRelease::activateAt)).orElseThrow();
        assertThat(promoted.version()).isEqualTo("v2");
        assertThat(promoted.sha256()).isEqualTo(scoped.sha256());
        assertThat(promoted.canaryPercent()).isEqualTo(100);
        assertThat(promoted.targets().isAll()).isTrue();
        assertThat(promoted.activateAt()).isGreaterThan(scoped.activateAt());
    }

    @Test
    void aShadowIsPublishedAsASignedShadowActivationAndPromotedToServe() throws Exception {
        String topic = controlTopic();
        assertThat(publish(topic, "v1", TestingModels.v1(), "--activate-at", V1_AT).exitCode()).isZero();
        Run shadow = publish(topic, "v2", TestingModels.v2(), "--shadow", "--canary", "50", "--activate-in", "5s");
        assertThat(shadow.exitCode()).as("%s%s", shadow.out(), shadow.err()).isZero();
        assertThat(shadow.out()).contains("share        shadow: scores 50% of keys beside the serving version")
                .contains("shadows of sensor-anomaly").contains("@shadow");

        Run promote = cli("promote", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic, "--model", MODEL,
                "--version", "v2", "--activate-in", "10s");
        assertThat(promote.exitCode()).as("%s%s", promote.out(), promote.err()).isZero();
        assertThat(promote.out()).contains("v2 (shadow of 50%)");

        List<ModelRelease> releases = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll();
        assertThat(releases).hasSize(3);
        ModelRelease shadowed = releases.stream().filter(ModelRelease::shadow).findFirst().orElseThrow();
        assertThat(shadowed.releaseId()).endsWith("@shadow");
        assertThat(shadowed.canaryPercent()).isEqualTo(50);
        ModelRelease promoted = releases.stream().max(Comparator.comparingLong(ModelRelease::activateAt)).orElseThrow();
        assertThat(promoted.shadow()).as("the promotion serves").isFalse();
        assertThat(promoted.sha256()).isEqualTo(shadowed.sha256());
        assertThat(promoted.canaryPercent()).isEqualTo(100);
    }

    @Test
    void deprecatePublishesAnAdvisoryForTheVersionsBytesUnderItsIdAndRefusesAnUnknownVersion() throws Exception {
        String topic = controlTopic();
        assertThat(publish(topic, "v1", TestingModels.v1(), "--activate-at", V1_AT).exitCode()).isZero();
        assertThat(publish(topic, "v2", TestingModels.v2(), "--activate-in", "5s").exitCode()).isZero();
        String[] base = {"deprecate", "--bootstrap", CLUSTER.bootstrapServers(), "--topic", topic, "--model", MODEL};

        Run bad = cli(concat(base, new String[] {"--version", "v2", "--reason", "drifted scores", "--activate-in", "30s"}));
        assertThat(bad.exitCode()).as("%s%s", bad.out(), bad.err()).isZero();
        assertThat(bad.out()).contains("deprecated sensor-anomaly v2").contains("drifted scores");
        Run unknown = cli(concat(base, new String[] {"--version", "v9", "--reason", "x"}));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("versions there: v1, v2");

        List<ConsumerRecord<byte[], byte[]>> records = rawRecords(topic, 3);
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        ControlMessage message = ControlMessage.decode(last.key(), last.value(), topic, last.partition(), last.offset(), true);
        ModelRelease v2 = new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll().stream()
                .filter(r -> r.version().equals("v2")).findFirst().orElseThrow();
        assertThat(message).isInstanceOfSatisfying(ControlMessage.Advisory.class, a -> {
            assertThat(a.advisory().covers(v2)).isTrue();
            assertThat(a.advisory().reason()).isEqualTo("drifted scores");
            assertThat(a.advisory().effectiveAt()).isBetween(bad.startedAt() + 30_000, bad.endedAt() + 30_000);
        });
        assertThat(new ControlTopic(CLUSTER.bootstrapServers(), topic).readAll()).hasSize(2);
    }

    @Test
    void aMissingControlTopicIsRefusedAtOnce() {
        String topic = KafkaTestUtils.freshTopic("missing-control");
        Run run = publish(topic, "v1", TestingModels.v1());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("control topic '" + topic + "' does not exist").contains("cleanup.policy=compact");
        assertThat(rollback(topic, "v1").exitCode()).isEqualTo(2);
    }
}
