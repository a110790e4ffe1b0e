package dev.edgeinfer.optimize;

import dev.edgeinfer.onnx.OnnxPieces;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Structured channel pruning of convolutional nets: whole filters are removed, so the pruned model
 * is smaller and faster in any runtime (unstructured zeros speed nothing up in ONNX Runtime).
 *
 * <p>The channel dimension is traced through the graph ({@link ChannelGraph}): each ordinary Conv
 * starts a channel space; BatchNormalization, activations, pooling and depthwise convs carry it;
 * a residual Add couples its inputs' spaces into one group that keeps one channel set; Concat
 * joins spaces at offsets; Flatten after global pooling carries it to a Gemm's columns. Spaces
 * that reach anything else (graph outputs, reshapes, grouped convs, unknown ops) are left alone.
 * Each group keeps its highest-scoring channels (filter L1 norm, or BN gamma), rounded to a
 * multiple of {@link Options#multiple()}; producers lose output rows (weights, bias, BN
 * parameters), depthwise convs lose the same channels and get a new {@code group}, consumers lose
 * the matching input slices. Stale {@code value_info} is dropped.
 *
 * <pre>{@code
 * ChannelPruner.Result half = ChannelPruner.prune(model, new ChannelPruner.Options(0.5, Ranking.L1, 8));
 * }</pre>
 */
public final class ChannelPruner {

    /** How filters are scored. */
    public enum Ranking {
        /** L1 norm of the filter's weights (normalised per conv). */
        L1,
        /** |gamma| of the BatchNormalization right after the conv (L1 where there is none). */
        BN_GAMMA
    }

    /**
     * Pruning settings.
     *
     * @param ratio share of each group's channels to remove, in [0, 1)
     * @param ranking filter scores
     * @param multiple channel counts kept at multiples of this (8 suits SIMD kernels)
     */
    public record Options(double ratio, Ranking ranking, int multiple) {
        public Options {
            if (!(ratio >= 0 && ratio < 1)) {
                throw new OptimizationException("prune ratio must be in [0, 1), got " + ratio);
            }
            if (multiple < 1) {
                throw new OptimizationException("channel multiple must be >= 1, got " + multiple);
            }
        }

        int keep(int channels) {
            int k = (int) Math.round(channels * (1 - ratio) / multiple) * multiple;
            k = Math.max(multiple, k);
            return Math.min(channels, k);
        }
    }

    /**
     * The pruned model.
     *
     * @param model the rewritten graph
     * @param groups prunable channel groups found
     * @param frozenGroups groups left alone (they reach a graph output or an unsupported op)
     * @param channelsBefore output channels of all ordinary convs before
     * @param channelsAfter and after
     */
    public record Result(
            OnnxMl.ModelProto model, int groups, int frozenGroups, int channelsBefore, int channelsAfter) {}

    private ChannelPruner() {}

    /** Prunes {@code model} (BatchNormalization may be folded or not). */
    public static Result prune(OnnxMl.ModelProto model, Options options) {
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> inits = OnnxProtos.initializers(graph);
        ChannelGraph cg = ChannelGraph.analyse(graph, inits);

        Map<Integer, int[]> keepByRoot = new HashMap<>();
        Map<Integer, double[]> scores = new LinkedHashMap<>();
        int groups = 0;
        int frozen = 0;
        for (Map.Entry<Integer, List<NodeProto>> e : cg.sources.entrySet()) {
            int root = cg.find(e.getKey());
            double[] s = scores.computeIfAbsent(root, r -> new double[cg.size(r)]);
            for (NodeProto conv : e.getValue()) {
                double[] own = filterScores(conv, inits, cg, options.ranking());
                double max = Arrays.stream(own).max().orElse(1);
                for (int c = 0; c < s.length; c++) {
                    s[c] += max > 0 ? own[c] / max : 0;
                }
            }
        }
        for (Map.Entry<Integer, double[]> e : scores.entrySet()) {
            if (cg.isFrozen(e.getKey())) {
                frozen++;
                continue;
            }
            groups++;
            double[] s = e.getValue();
            int keep = options.keep(s.length);
            if (keep < s.length) {
                Integer[] order = new Integer[s.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Arrays.sort(
                        order,
                        (a, b) -> Double.compare(s[b], s[a]) != 0 ? Double.compare(s[b], s[a]) : Integer.compare(a, b));
                int[] kept = new int[keep];
                for (int i = 0; i < keep; i++) {
                    kept[i] = order[i];
                }
                Arrays.sort(kept);
                keepByRoot.put(e.getKey(), kept);
            }
        }

        Map<String, TensorProto> changed = new HashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        int before = 0;
        int after = 0;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            int[] keepIn = node.getInputCount() > 0 ? cg.kept(node.getInput(0), keepByRoot) : null;
            switch (cg.role(i)) {
                case SOURCE -> {
                    int[] keepOut = cg.kept(node.getOutput(0), keepByRoot);
                    TensorProto w = inits.get(node.getInput(1));
                    before += (int) w.getDims(0);
                    after += keepOut == null ? (int) w.getDims(0) : keepOut.length;
                    changed.put(w.getName(), slice(slice(w, 0, keepOut), 1, keepIn));
                    if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                        changed.put(node.getInput(2), slice(inits.get(node.getInput(2)), 0, keepOut));
                    }
                }
                case DEPTHWISE -> {
                    if (keepIn != null) {
                        changed.put(node.getInput(1), slice(inits.get(node.getInput(1)), 0, keepIn));
                        if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                            changed.put(node.getInput(2), slice(inits.get(node.getInput(2)), 0, keepIn));
                        }
                        node = OnnxProtos.withAttribute(node, OnnxPieces.intAttribute("group", keepIn.length));
                    }
                }
                case CHANNEL_PARAMS -> {
                    for (int p = 1; p < node.getInputCount(); p++) {
                        changed.put(node.getInput(p), slice(inits.get(node.getInput(p)), 0, keepIn));
                    }
                }
                case GEMM_COLUMNS -> {
                    boolean transB = OnnxProtos.intAttr(node, "transB", 0) != 0;
                    changed.put(node.getInput(1), slice(inits.get(node.getInput(1)), transB ? 1 : 0, keepIn));
                }
                case MATMUL_ROWS -> changed.put(node.getInput(1), slice(inits.get(node.getInput(1)), 0, keepIn));
                case OTHER -> {}
            }
            nodes.add(node);
        }
        GraphProto.Builder g =
                graph.toBuilder().clearNode().addAllNode(nodes).clearValueInfo().clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            g.addInitializer(changed.getOrDefault(t.getName(), t));
        }
        return new Result(model.toBuilder().setGraph(g).build(), groups, frozen, before, after);
    }

    private static double[] filterScores(
            NodeProto conv, Map<String, TensorProto> inits, ChannelGraph cg, Ranking ranking) {
        if (ranking == Ranking.BN_GAMMA) {
            NodeProto bn = cg.batchNormAfter(conv.getOutput(0));
            if (bn != null) {
                float[] gamma = OnnxProtos.floats(inits.get(bn.getInput(1)));
                double[] s = new double[gamma.length];
                for (int c = 0; c < s.length; c++) {
                    s[c] = Math.abs(gamma[c]);
                }
                return s;
            }
        }
        TensorProto w = inits.get(conv.getInput(1));
        float[] values = OnnxProtos.floats(w);
        int rows = (int) w.getDims(0);
        int per = values.length / rows;
        double[] s = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int i = r * per; i < (r + 1) * per; i++) {
                s[r] += Math.abs(values[i]);
            }
        }
        return s;
    }

    /** {@code t} with only indices {@code keep} along {@code axis} (unchanged when keep is null). */
    static TensorProto slice(TensorProto t, int axis, int[] keep) {
        if (keep == null) {
            return t;
        }
        long[] dims = OnnxProtos.dims(t);
        if (axis >= dims.length) {
            throw new OptimizationException(
                    "cannot slice axis " + axis + " of tensor " + t.getName() + " with dims " + Arrays.toString(dims));
        }
        float[] values = OnnxProtos.floats(t);
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= (int) dims[d];
        }
        int inner = 1;
        for (int d = axis + 1; d < dims.length; d++) {
            inner *= (int) dims[d];
        }
        int n = (int) dims[axis];
        float[] out = new float[outer * keep.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < keep.length; k++) {
                if (keep[k] >= n) {
                    throw new OptimizationException("channel " + keep[k] + " out of range for " + t.getName() + " axis "
                            + axis + " of size " + n);
                }
                System.arraycopy(values, (o * n + keep[k]) * inner, out, (o * keep.length + k) * inner, inner);
            }
        }
        dims[axis] = keep.length;
        return OnnxPieces.floatTensor(t.getName(), dims, out);
    }
}
