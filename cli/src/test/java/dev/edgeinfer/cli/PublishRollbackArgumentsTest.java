package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Argument validation of {@code publish} and {@code rollback}: everything here is refused before
 * any Kafka connection is attempted (the bootstrap address points nowhere).
 */
class PublishRollbackArgumentsTest {

    /** Nothing listens there; a test that got as far as connecting would time out, not pass. */
    private static final String NOWHERE = "127.0.0.1:1";

    @TempDir Path dir;

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private String[] publish(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "publish", "--bootstrap", NOWHERE, "--model", "sensor-anomaly", "--version", "v2",
                "--file", dir.resolve("model.onnx").toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static String[] rollback(String... extra) {
        List<String> args = new ArrayList<>(List.of("rollback", "--bootstrap", NOWHERE, "--model", "sensor-anomaly", "--to", "v1"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** The command exits with 2 (a usage error) saying {@code message}. */
    private static void assertRefused(String[] args, String message) {
        Run run = run(args);
        assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
        assertThat(run.err()).contains(message);
    }

    @Test
    void publishRefusesActivateInTogetherWithActivateAt() {
        Run run = run(publish("--activate-in", "30s", "--activate-at", "2026-01-01T00:00:00Z"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--activate-in").contains("--activate-at").contains("mutually exclusive");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void rollbackRefusesActivateInTogetherWithActivateAt() {
        Run run = run(rollback("--activate-at", "2026-01-01T00:00:00Z", "--activate-in", "5s"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--activate-in").contains("--activate-at").contains("mutually exclusive");
    }

    @Test
    void publishRefusesCanaryOutsideOneToHundred() {
        for (String canary : List.of("0", "101", "-5")) {
            Run run = run(publish("--canary", canary));
            assertThat(run.exitCode()).as("--canary %s", canary).isEqualTo(2);
            assertThat(run.err()).as("--canary %s", canary).contains("--canary").contains("1..100").contains("got " + canary);
        }
    }

    @Test
    void malformedDurationsAndInstantsAreRefusedWithExamples() {
        assertRefused(publish("--activate-in", "soon"), "'soon' is not a duration");
        assertRefused(rollback("--activate-in", "-5s"), "'-5s' is not a duration");
        assertRefused(publish("--activate-at", "tomorrow"), "'tomorrow' is not an ISO-8601 instant");
        assertRefused(rollback("--activate-at", "1969-12-31T23:59:59Z"), "--activate-at must not be before 1970");
    }

    @Test
    void missingRequiredOptionsAndMissingFilesAreRefused() {
        Run noFile = run("publish", "--bootstrap", NOWHERE, "--model", "m", "--version", "v1");
        assertThat(noFile.exitCode()).isEqualTo(2);
        assertThat(noFile.err()).contains("--file");

        Run noTarget = run("rollback", "--bootstrap", NOWHERE, "--model", "m");
        assertThat(noTarget.exitCode()).isEqualTo(2);
        assertThat(noTarget.err()).contains("--to");

        Run absent = run(publish());
        assertThat(absent.exitCode()).isEqualTo(2);
        assertThat(absent.err()).contains("edgeinfer publish: no such model file").contains("model.onnx");
    }

    @Test
    void publishHelpShowsTheReleaseVersionOptionAndTheDefaults() {
        Run help = run("publish", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--version=<version>").contains("--activate-in").contains("default: 10s")
                .contains("edge.models.control");
        assertThat(run("rollback", "--help").exitCode()).isZero();
        assertThat(run("--version").out()).contains("edgeinfer");
    }

    @Test
    void relativeTimesSayWhenAndWarnAboutLateActivations() {
        long now = 1_767_225_600_000L;
        assertThat(ReleaseCommandSupport.relative(now + 10_000, now)).isEqualTo("in 10 s");
        assertThat(ReleaseCommandSupport.relative(now + 9_001, now)).isEqualTo("in 10 s");
        assertThat(ReleaseCommandSupport.relative(now + 3_600_000, now)).isEqualTo("in 3600 s (1h 0m)");
        assertThat(ReleaseCommandSupport.relative(now - 42_000, now))
                .isEqualTo("42 s ago \u2014 sites that already scored later data apply it at once and report LATE_ACTIVATION");
    }

    @Test
    void publishRefusesASiteLabelThatIsNotKeyEqualsValueNamingIt() {
        assertRefused(publish("--site-label", "wave"), "--site-label 'wave'");
        assertRefused(publish("--sites", "plant 1"), "--sites 'plant 1'");
    }

    @Test
    void promoteNeedsAVersionAndRefusesBadSiteOptionsBeforeConnecting() {
        Run missing = run("promote", "--bootstrap", NOWHERE, "--model", "sensor-anomaly");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--version");
        assertRefused(new String[] {"promote", "--bootstrap", NOWHERE, "--model", "sensor-anomaly", "--version", "v3",
                "--site-label", "wave"}, "--site-label 'wave'");
    }

    @Test
    void aPromotionIsTheSameBytesAtANewTimeForEveryKeyOfTheNewScopeAndUnsigned() {
        dev.edgeinfer.broadcast.release.ModelRelease canary = dev.edgeinfer.broadcast.release.ModelRelease.builder()
                .model("sensor-anomaly").version("v3").sha256("a".repeat(64)).uri("file:///models/v3.onnx")
                .sizeBytes(10).signature(dev.edgeinfer.broadcast.release.ModelSignature.declared(
                        List.of(dev.edgeinfer.broadcast.release.TensorSpec.of("features", -1, 32)),
                        List.of(dev.edgeinfer.broadcast.release.TensorSpec.of("score", -1, 1))))
                .activateAt(1_000).canaryPercent(10).publisher("alice").publishedAt(900)
                .putMetadata("labels", "a,b")
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of(), List.of("wave=1")))
                .build();

        var everywhere = PromoteCommand.promoted(
                canary, 5_000, dev.edgeinfer.broadcast.release.ReleaseTarget.ALL, "bob", 4_000);

        assertThat(everywhere.canaryPercent()).isEqualTo(100);
        assertThat(everywhere.targets().isAll()).isTrue();
        assertThat(everywhere.activateAt()).isEqualTo(5_000);
        assertThat(everywhere.modelId()).isEqualTo(canary.modelId());
        assertThat(everywhere.uri()).isEqualTo(canary.uri());
        assertThat(everywhere.metadata()).isEqualTo(canary.metadata());
        assertThat(everywhere.isSigned()).isFalse();
        assertThat(everywhere.releaseId()).isNotEqualTo(canary.releaseId());
    }

    @Test
    void aRollbackKeepsTheVersionsMetadataAndVariantsForEverySiteAndIsUnsigned() {
        dev.edgeinfer.broadcast.release.ModelRelease reference = dev.edgeinfer.broadcast.release.ModelRelease.builder()
                .model("frame-classifier").version("v1").sha256("a".repeat(64)).uri("file:///models/v1.onnx")
                .sizeBytes(10).signature(dev.edgeinfer.broadcast.release.ModelSignature.declared(
                        List.of(dev.edgeinfer.broadcast.release.TensorSpec.of("image", -1, 3, 96, 96)),
                        List.of(dev.edgeinfer.broadcast.release.TensorSpec.of("probabilities", -1, 3))))
                .activateAt(1_000).canaryPercent(10).publisher("alice").publishedAt(900)
                .putMetadata("labels", "red,green,blue")
                .targets(dev.edgeinfer.broadcast.release.ReleaseTarget.of(List.of("plant-1"), List.of()))
                .build();
        dev.edgeinfer.broadcast.release.ModelRelease v1 = reference.toBuilder()
                .variants(List.of(
                        dev.edgeinfer.broadcast.release.ModelVariant.referenceOf(reference),
                        new dev.edgeinfer.broadcast.release.ModelVariant("int8", "b".repeat(64),
                                "file:///models/v1-int8.onnx", 4, List.of("avx512_vnni"), "cpu", 0.99)))
                .build();

        var rollback = RollbackCommand.rollbackOf(v1, 7_000, "rollback by bob", 6_000);

        assertThat(rollback.modelId()).isEqualTo(v1.modelId());
        assertThat(rollback.metadata()).isEqualTo(v1.metadata());
        assertThat(rollback.variants()).isEqualTo(v1.variants());
        assertThat(rollback.activateAt()).isEqualTo(7_000);
        assertThat(rollback.canaryPercent()).isEqualTo(100);
        assertThat(rollback.targets().isAll()).isTrue();
        assertThat(rollback.isSigned()).isFalse();
    }
}
