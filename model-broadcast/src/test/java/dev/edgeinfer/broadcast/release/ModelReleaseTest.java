package dev.edgeinfer.broadcast.release;

import static dev.edgeinfer.broadcast.testutils.Releases.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

class ModelReleaseTest {

    private static InvalidReleaseException invalid(UnaryOperator<ModelRelease.Builder> edit) {
        try {
            edit.apply(release("m", "v1", 100)).build();
        } catch (InvalidReleaseException e) {
            return e;
        }
        throw new AssertionError("expected InvalidReleaseException");
    }

    @Test
    void releaseIdIsModelActivateAtVersionAndShaPrefix() {
        ModelRelease r = Releases.full("sensor-anomaly", "v2", 1767225600000L);
        assertThat(r.releaseId()).isEqualTo("sensor-anomaly@1767225600000@v2@" + r.sha256().substring(0, 12));
        assertThat(r.modelId()).isEqualTo(ModelId.of("sensor-anomaly", "v2", r.sha256()));
        assertThat(r.activateAtIso()).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void canaryIsAnyShareBelowHundred() {
        assertThat(Releases.canary("m", "v2", 0, 99).isCanary()).isTrue();
        assertThat(Releases.canary("m", "v2", 0, 1).isCanary()).isTrue();
        assertThat(Releases.full("m", "v2", 0).isCanary()).isFalse();
    }

    @Test
    void toBuilderDerivesARollbackWithANewReleaseId() {
        ModelRelease v1 = Releases.full("m", "v1", 0);
        ModelRelease rollback = v1.toBuilder().activateAt(5_000).build();
        assertThat(rollback.version()).isEqualTo("v1");
        assertThat(rollback.releaseId()).isNotEqualTo(v1.releaseId());
    }

    @Test
    void invalidShaIsRejectedNamingFieldAndValue() {
        InvalidReleaseException e = invalid(b -> b.sha256("ABC"));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD);
        assertThat(e.field()).isEqualTo("sha256");
        assertThat(e.offendingValue()).isEqualTo("ABC");
        assertThat(e).hasMessageContaining("sha256").hasMessageContaining("'ABC'");
    }

    @Test
    void uppercaseShaIsRejected() {
        String upper = Releases.sha("x").toUpperCase();
        assertThat(invalid(b -> b.sha256(upper)).field()).isEqualTo("sha256");
    }

    @Test
    void canaryPercentOutsideOneToHundredIsRejected() {
        assertThat(invalid(b -> b.canaryPercent(0))).hasMessageContaining("canaryPercent").hasMessageContaining("'0'");
        assertThat(invalid(b -> b.canaryPercent(101)).offendingValue()).isEqualTo("101");
    }

    @Test
    void nonPositiveSizeIsRejected() {
        InvalidReleaseException e = invalid(b -> b.sizeBytes(0));
        assertThat(e.field()).isEqualTo("sizeBytes");
        assertThat(e).hasMessageContaining("sizeBytes must be > 0, got '0'");
    }

    @Test
    void negativeTimesAreRejected() {
        assertThat(invalid(b -> b.activateAt(-1)).field()).isEqualTo("activateAt");
        assertThat(invalid(b -> b.publishedAt(-5)).field()).isEqualTo("publishedAt");
    }

    @Test
    void relativeOrMalformedUriIsRejected() {
        assertThat(invalid(b -> b.uri("models/x.onnx"))).hasMessageContaining("uri").hasMessageContaining("models/x.onnx");
        assertThat(invalid(b -> b.uri("file:///has space")).field()).isEqualTo("uri");
    }

    @Test
    void missingFieldsAreReportedAsMissing() {
        InvalidReleaseException e = invalid(b -> b.model(null));
        assertThat(e.reason()).isEqualTo(Reason.MISSING_FIELD);
        assertThat(e.field()).isEqualTo("model");
        assertThat(invalid(b -> b.signature(null)).field()).isEqualTo("signature");
        assertThat(invalid(b -> b.publisher(null)).reason()).isEqualTo(Reason.MISSING_FIELD);
    }

    @Test
    void labelsWithSeparatorOrWhitespaceAreRejected() {
        assertThat(invalid(b -> b.model("a@b")).offendingValue()).isEqualTo("a@b");
        assertThat(invalid(b -> b.version("v 2")).field()).isEqualTo("version");
        assertThat(invalid(b -> b.version("")).field()).isEqualTo("version");
        assertThat(invalid(b -> b.publisher("  ")).field()).isEqualTo("publisher");
    }

    @Test
    void tensorShapeBelowMinusOneIsRejected() {
        assertThatThrownBy(() -> TensorSpec.of("x", -1, -2))
                .isInstanceOf(InvalidReleaseException.class)
                .hasMessageContaining("[-1, -2]");
    }

    @Test
    void tensorSpecIsImmutableAndComparesShapesByContent() {
        long[] shape = {-1, 32};
        TensorSpec t = new TensorSpec("f", shape);
        shape[1] = 7;
        t.shape()[1] = 9;
        assertThat(t.dim(1)).isEqualTo(32);
        assertThat(t).isEqualTo(TensorSpec.of("f", -1, 32)).hasSameHashCodeAs(TensorSpec.of("f", -1, 32));
        assertThat(t).isNotEqualTo(TensorSpec.of("f", -1, 33));
    }

    @Test
    void signatureNeedsTensorsWithUniqueNames() {
        assertThatThrownBy(() -> ModelSignature.declared(List.of(), List.of(TensorSpec.of("y", 1))))
                .isInstanceOf(InvalidReleaseException.class)
                .hasMessageContaining("signature.inputs");
        assertThatThrownBy(() -> ModelSignature.declared(
                        List.of(TensorSpec.of("x", 1), TensorSpec.of("x", 2)), List.of(TensorSpec.of("y", 1))))
                .isInstanceOf(InvalidReleaseException.class)
                .satisfies(e -> assertThat(((InvalidReleaseException) e).field()).isEqualTo("signature.inputs[1].name"));
    }

    @Test
    void invalidReleaseExceptionIsAnIllegalArgumentException() {
        assertThat(invalid(b -> b.sizeBytes(-3))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hugeOffendingValuesAreTruncated() {
        String huge = "x".repeat(10_000);
        InvalidReleaseException e = invalid(b -> b.uri(huge));
        assertThat(e.offendingValue()).hasSizeLessThan(400).contains("10000 chars");
    }
}
