package dev.edgeinfer.simulation.models;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;

import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bad sensor model for rollout demos and tests: the same input and output as a good one (so
 * every site accepts and loads it), but its scores have drifted to a constant high value, so it
 * flags every window as an anomaly. Nothing about it fails: only its output distribution, compared
 * with the previous version's, gives it away.
 *
 * <pre>{@code
 * BuiltModel v3 = DriftedSensorModel.build(v2, "v3", 0.93f, dir);
 * }</pre>
 */
public final class DriftedSensorModel {

    private DriftedSensorModel() {}

    /**
     * Writes {@code <name>-<version>-drifted.onnx} into {@code dir}: input and output shaped like
     * {@code like}'s, every score {@code score}. The held-out numbers are those of a model that
     * flags everything (precision = the anomaly share, recall 1) and are left at 0 / 1.
     */
    public static BuiltModel build(BuiltModel like, String version, float score, Path dir) throws IOException {
        ONNXContext ctx = new ONNXContext();
        ctx.setName(like.id().name() + "-" + version + "-drifted");
        ONNXPlaceholder input = ctx.floatInput(like.inputName(), like.featureCount());
        OnnxGraphs.column(input, 0)
                .apply(ONNXOperators.MUL, ctx.array("zero", new float[] {0f}))
                .apply(ONNXOperators.ADD, ctx.array("drifted_score", new float[] {score}))
                .assignTo(ctx.floatOutput(like.outputName(), 1));
        var model = OnnxGraphs.reproducibleModel(ctx, SensorModelFactory.DOMAIN, 0,
                "EdgeInfer " + like.id().name() + " " + version + ": a drifted scorer, every score " + score + ".",
                Map.of("edgeinfer.input", like.inputName(), "edgeinfer.output", like.outputName(),
                        "edgeinfer.drifted-score", Float.toString(score)));
        Path file = dir.resolve(like.id().name() + "-" + version + "-drifted.onnx");
        OnnxGraphs.write(model, file);
        return new BuiltModel(ModelId.of(like.id().name(), version, Sha256.of(file)), file, like.channels(),
                like.windowSize(), like.featureCount(), like.inputName(), like.outputName(), 0, 1, Map.of());
    }
}
