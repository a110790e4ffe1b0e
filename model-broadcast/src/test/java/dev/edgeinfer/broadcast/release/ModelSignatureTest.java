package dev.edgeinfer.broadcast.release;

import static dev.edgeinfer.broadcast.testutils.Releases.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;

class ModelSignatureTest {

    private static final ModelSignature DECLARED = ModelSignature.declared(
            List.of(TensorSpec.of("features", -1, 32)), List.of(TensorSpec.of("score", -1, 1)));

    private static ModelSignature loaded(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return new ModelSignature(inputs, outputs);
    }

    @Test
    void aLoadedSignatureMayHaveUnknownShapesAndNoOutputs() {
        ModelSignature graph = loaded(List.of(new TensorSpec("features", null)), List.of());
        assertThat(graph.inputs().get(0).hasKnownShape()).isFalse();
        assertThat(graph.inputs().get(0)).hasToString("features[?]");
    }

    @Test
    void aDeclaredSignatureNeedsKnownShapes() {
        assertThatThrownBy(() -> ModelSignature.declared(
                        List.of(TensorSpec.of("x", 1), new TensorSpec("y", null)), List.of(TensorSpec.of("s", 1))))
                .isInstanceOf(InvalidReleaseException.class)
                .satisfies(e -> {
                    InvalidReleaseException x = (InvalidReleaseException) e;
                    assertThat(x.reason()).isEqualTo(InvalidReleaseException.Reason.MISSING_FIELD);
                    assertThat(x.field()).isEqualTo("signature.inputs[1].shape");
                });
    }

    @Test
    void aReleaseRefusesASignatureItCouldNotDeclare() {
        ModelSignature noOutputs = loaded(List.of(TensorSpec.of("x", 1)), List.of());
        assertThatThrownBy(() -> release("m", "v1", 0).signature(noOutputs).build())
                .isInstanceOf(InvalidReleaseException.class)
                .satisfies(e -> assertThat(((InvalidReleaseException) e).field()).isEqualTo("signature.outputs"));
    }

    @Test
    void nullTensorsAreMissingFieldsWithTheirIndex() {
        assertThatThrownBy(() -> loaded(java.util.Arrays.asList(TensorSpec.of("x", 1), null), List.of()))
                .isInstanceOf(InvalidReleaseException.class)
                .satisfies(e -> assertThat(((InvalidReleaseException) e).field()).isEqualTo("signature.inputs[1]"));
    }

    @Test
    void theSameGraphMatches() {
        assertThat(DECLARED.mismatchWith(DECLARED)).isNull();
    }

    @Test
    void unknownShapesAndUndescribedOutputsAreNotCompared() {
        ModelSignature graph = loaded(List.of(new TensorSpec("features", null)), List.of());
        assertThat(DECLARED.mismatchWith(graph)).isNull();
    }

    @Test
    void aRenamedInputIsAMismatch() {
        ModelSignature graph = loaded(List.of(TensorSpec.of("readings", -1, 32)), List.of(TensorSpec.of("score", -1, 1)));
        assertThat(DECLARED.mismatchWith(graph))
                .isEqualTo("input 0 is declared 'features' but the model names it 'readings'");
    }

    @Test
    void aFixedBatchDoesNotMatchADeclaredDynamicOne() {
        ModelSignature graph = loaded(List.of(TensorSpec.of("features", 1, 32)), List.of(TensorSpec.of("score", -1, 1)));
        assertThat(DECLARED.mismatchWith(graph))
                .isEqualTo("input 'features' is declared [-1, 32] but the model has [1, 32]");
    }

    @Test
    void anExtraOutputIsAMismatch() {
        ModelSignature graph = loaded(List.of(TensorSpec.of("features", -1, 32)),
                List.of(TensorSpec.of("score", -1, 1), TensorSpec.of("debug", -1, 4)));
        assertThat(DECLARED.mismatchWith(graph)).startsWith("declared 1 outputs [score[-1, 1]], the model has 2");
    }
}
