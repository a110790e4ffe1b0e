package dev.edgeinfer.optimize;

import dev.edgeinfer.onnx.OnnxPieces;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pruning for linear models over a feature vector ({@code [N, F]} input, e.g. the sensor scorer):
 * the features with the smallest weights (L1 over the outputs, in the model's standardised units)
 * are dropped. The input signature stays {@code [N, F]}: a Gather selects the kept columns, and
 * the per-feature constants on the way (standardisation) and the weight rows shrink.
 *
 * <pre>{@code
 * FeaturePruner.Result r = FeaturePruner.prune(model, 0.5);   // keeps the stronger half of the features
 * }</pre>
 */
public final class FeaturePruner {

    private static final Set<String> PER_FEATURE = Set.of("Sub", "Add", "Mul", "Div");

    private FeaturePruner() {}

    /**
     * The pruned model.
     *
     * @param model the rewritten graph
     * @param featuresBefore input features used before
     * @param kept the input columns still used, ascending
     */
    public record Result(OnnxMl.ModelProto model, int featuresBefore, int[] kept) {}

    /** Drops {@code ratio} of the input features (at least one is kept). */
    public static Result prune(OnnxMl.ModelProto model, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new OptimizationException("prune ratio must be in [0, 1), got " + ratio);
        }
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> inits = OnnxProtos.initializers(graph);
        Map<String, List<NodeProto>> consumers = StaticQuantizer.consumers(graph);
        String input = graph.getInput(0).getName();
        List<NodeProto> chain = new ArrayList<>();
        String tensor = input;
        NodeProto linear = null;
        while (linear == null) {
            List<NodeProto> users = consumers.getOrDefault(tensor, List.of());
            if (users.size() != 1) {
                throw new OptimizationException("input " + input + " does not lead to one linear layer (tensor "
                        + tensor + " has " + users.size() + " consumers)");
            }
            NodeProto n = users.get(0);
            if ((n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul"))
                    && n.getInput(0).equals(tensor)
                    && inits.containsKey(n.getInput(1))
                    && OnnxProtos.intAttr(n, "transA", 0) == 0) {
                linear = n;
            } else if (PER_FEATURE.contains(n.getOpType())
                    && n.getInputCount() == 2
                    && n.getInput(0).equals(tensor)
                    && inits.containsKey(n.getInput(1))) {
                chain.add(n);
                tensor = n.getOutput(0);
            } else {
                throw new OptimizationException("not a linear model on its input: " + n.getOpType() + " node "
                        + n.getName() + " between the input and the first Gemm/MatMul");
            }
        }
        TensorProto w = inits.get(linear.getInput(1));
        boolean transB = OnnxProtos.intAttr(linear, "transB", 0) != 0;
        long[] wDims = OnnxProtos.dims(w);
        int features = (int) wDims[transB ? 1 : 0];
        int outputs = (int) wDims[transB ? 0 : 1];
        float[] weights = OnnxProtos.floats(w);
        double[] score = new double[features];
        for (int j = 0; j < features; j++) {
            for (int k = 0; k < outputs; k++) {
                score[j] += Math.abs(weights[transB ? k * features + j : j * outputs + k]);
            }
        }
        int keep = Math.max(1, (int) Math.round(features * (1 - ratio)));
        Integer[] order = new Integer[features];
        for (int i = 0; i < features; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> Double.compare(score[b], score[a]) != 0
                        ? Double.compare(score[b], score[a])
                        : Integer.compare(a, b));
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);

        Map<String, TensorProto> changed = new java.util.HashMap<>();
        for (NodeProto n : chain) {
            TensorProto c = inits.get(n.getInput(1));
            long[] d = OnnxProtos.dims(c);
            if (OnnxProtos.numel(d) == features) {
                changed.put(c.getName(), ChannelPruner.slice(c, d.length - 1, kept));
            } else if (OnnxProtos.numel(d) != 1) {
                throw new OptimizationException("constant " + c.getName() + " of " + n.getOpType() + " has dims "
                        + Arrays.toString(d) + "; expected one value or one per feature (" + features + ")");
            }
        }
        changed.put(w.getName(), ChannelPruner.slice(w, transB ? 1 : 0, kept));
        String selected = input + "_selected";
        String indices = input + "_kept_indices";
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(OnnxPieces.node(
                "Gather",
                input + "_select",
                List.of(input, indices),
                List.of(selected),
                OnnxPieces.intAttribute("axis", 1)));
        NodeProto first = chain.isEmpty() ? linear : chain.get(0);
        for (NodeProto n : graph.getNodeList()) {
            nodes.add(n == first ? n.toBuilder().setInput(0, selected).build() : n);
        }
        GraphProto.Builder g =
                graph.toBuilder().clearNode().addAllNode(nodes).clearValueInfo().clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            g.addInitializer(changed.getOrDefault(t.getName(), t));
        }
        g.addInitializer(OnnxPieces.int64Tensor(
                indices, new long[] {keep}, Arrays.stream(kept).asLongStream().toArray()));
        return new Result(model.toBuilder().setGraph(g).build(), features, kept);
    }
}
