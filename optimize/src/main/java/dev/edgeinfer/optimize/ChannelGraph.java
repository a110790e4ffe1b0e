package dev.edgeinfer.optimize;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the channel dimension flows through a graph, for {@link ChannelPruner}: every tensor's
 * channels as a list of segments of channel spaces, spaces coupled by residual adds (union-find),
 * and the role each node plays in a rewrite.
 */
final class ChannelGraph {

    /** What a node does to the channels when they are pruned. */
    enum Role {
        SOURCE,
        DEPTHWISE,
        CHANNEL_PARAMS,
        GEMM_COLUMNS,
        MATMUL_ROWS,
        OTHER
    }

    /** {@code size} channels of space {@code space}. */
    record Segment(int space, int size) {}

    private static final Set<String> CARRY = Set.of(
            "Relu",
            "Clip",
            "LeakyRelu",
            "Sigmoid",
            "HardSigmoid",
            "HardSwish",
            "Tanh",
            "Identity",
            "Dropout",
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "GlobalMaxPool",
            "Elu",
            "Selu",
            "Softplus",
            "PRelu");
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum");

    private final List<Integer> parent = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();
    private final List<Boolean> frozen = new ArrayList<>();
    private final Map<String, List<Segment>> layouts = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Role[] roles;
    /** Space -> the convs producing it. */
    final Map<Integer, List<NodeProto>> sources = new LinkedHashMap<>();

    private ChannelGraph(int nodes) {
        roles = new Role[nodes];
    }

    static ChannelGraph analyse(GraphProto graph, Map<String, TensorProto> inits) {
        ChannelGraph cg = new ChannelGraph(graph.getNodeCount());
        Map<String, Integer> uses = new HashMap<>();
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            n.getInputList().forEach(in -> {
                uses.merge(in, 1, Integer::sum);
                cg.consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            });
            n.getOutputList().forEach(out -> producers.put(out, n));
        }
        for (OnnxMl.ValueInfoProto in : graph.getInputList()) {
            var shape = in.getType().getTensorType().getShape();
            if (!inits.containsKey(in.getName())
                    && shape.getDimCount() >= 2
                    && shape.getDim(1).hasDimValue()) {
                cg.layouts.put(
                        in.getName(),
                        List.of(new Segment(cg.newSpace((int) shape.getDim(1).getDimValue(), true), (int)
                                shape.getDim(1).getDimValue())));
            }
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            cg.roles[i] = cg.visit(graph.getNode(i), inits, uses, producers);
        }
        for (OnnxMl.ValueInfoProto out : graph.getOutputList()) {
            cg.freeze(cg.layouts.get(out.getName()));
        }
        return cg;
    }

    private Role visit(
            NodeProto node,
            Map<String, TensorProto> inits,
            Map<String, Integer> uses,
            Map<String, NodeProto> producers) {
        String op = node.getOpType();
        List<Segment> in = node.getInputCount() > 0 ? layouts.get(node.getInput(0)) : null;
        String out = node.getOutputCount() > 0 ? node.getOutput(0) : "";
        if (op.equals("Conv")) {
            TensorProto w = node.getInputCount() > 1 ? inits.get(node.getInput(1)) : null;
            boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
            if (w == null
                    || w.getDataType() != TensorProto.DataType.FLOAT.getNumber()
                    || (bias && !inits.containsKey(node.getInput(2)))) {
                freeze(in);
                return Role.OTHER;
            }
            boolean shared = uses.get(w.getName()) > 1 || (bias && uses.get(node.getInput(2)) > 1);
            int outChannels = (int) w.getDims(0);
            long group = OnnxProtos.intAttr(node, "group", 1);
            if (group == 1) {
                int space = newSpace(outChannels, shared);
                sources.computeIfAbsent(space, k -> new ArrayList<>()).add(node);
                layouts.put(out, List.of(new Segment(space, outChannels)));
                if (shared) {
                    freeze(in);
                }
                return Role.SOURCE;
            }
            if (w.getDims(1) == 1 && in != null && width(in) == group && outChannels == group) {
                if (shared) {
                    freeze(in);
                }
                layouts.put(out, in);
                return Role.DEPTHWISE;
            }
            freeze(in);
            layouts.put(out, List.of(new Segment(newSpace(outChannels, true), outChannels)));
            return Role.OTHER;
        }
        if (op.equals("BatchNormalization")) {
            boolean ok = node.getInputCount() == 5;
            for (int p = 1; ok && p < 5; p++) {
                TensorProto t = inits.get(node.getInput(p));
                ok = t != null
                        && t.getDataType() == TensorProto.DataType.FLOAT.getNumber()
                        && uses.get(t.getName()) == 1;
            }
            layouts.put(out, in);
            if (!ok) {
                freeze(in);
                return Role.OTHER;
            }
            return Role.CHANNEL_PARAMS;
        }
        if (CARRY.contains(op)) {
            boolean constants = node.getInputList().stream()
                    .skip(1)
                    .allMatch(n -> n.isEmpty()
                            || (inits.containsKey(n) && OnnxProtos.numel(OnnxProtos.dims(inits.get(n))) == 1));
            if (!constants) {
                freeze(in);
            }
            layouts.put(out, in);
            return Role.OTHER;
        }
        if (ELEMENTWISE.contains(op)) {
            List<List<Segment>> ins = new ArrayList<>();
            boolean ok = true;
            for (String name : node.getInputList()) {
                TensorProto t = inits.get(name);
                if (t != null) {
                    ok &= OnnxProtos.numel(OnnxProtos.dims(t)) == 1;
                } else {
                    ins.add(layouts.get(name));
                    ok &= layouts.get(name) != null;
                }
            }
            for (int k = 1; ok && k < ins.size(); k++) {
                ok = sameSizes(ins.get(0), ins.get(k));
            }
            if (ok && !ins.isEmpty()) {
                for (int k = 1; k < ins.size(); k++) {
                    for (int s = 0; s < ins.get(0).size(); s++) {
                        union(ins.get(0).get(s).space(), ins.get(k).get(s).space());
                    }
                }
                layouts.put(out, ins.get(0));
            } else {
                ins.forEach(this::freeze);
            }
            return Role.OTHER;
        }
        if (op.equals("Concat")) {
            List<Segment> joined = new ArrayList<>();
            boolean ok = OnnxProtos.intAttr(node, "axis", 0) == 1;
            for (String name : node.getInputList()) {
                List<Segment> l = layouts.get(name);
                ok &= l != null;
                if (l != null) {
                    joined.addAll(l);
                }
            }
            if (ok) {
                layouts.put(out, joined);
            } else {
                node.getInputList().forEach(n -> freeze(layouts.get(n)));
            }
            return Role.OTHER;
        }
        if (op.equals("Flatten")) {
            NodeProto p = producers.get(node.getInput(0));
            boolean pooled = p != null
                    && (p.getOpType().equals("GlobalAveragePool")
                            || p.getOpType().equals("GlobalMaxPool"));
            if (pooled && OnnxProtos.intAttr(node, "axis", 1) == 1) {
                layouts.put(out, in);
            } else {
                freeze(in);
            }
            return Role.OTHER;
        }
        if (op.equals("Gemm") || op.equals("MatMul")) {
            TensorProto b = node.getInputCount() > 1 ? inits.get(node.getInput(1)) : null;
            boolean ok = b != null
                    && b.getDimsCount() == 2
                    && uses.get(b.getName()) == 1
                    && b.getDataType() == TensorProto.DataType.FLOAT.getNumber()
                    && OnnxProtos.intAttr(node, "transA", 0) == 0
                    && (op.equals("Gemm") || !inits.containsKey(node.getInput(0)));
            if (!ok) {
                freeze(in);
                return Role.OTHER;
            }
            return op.equals("Gemm") ? Role.GEMM_COLUMNS : Role.MATMUL_ROWS;
        }
        node.getInputList().forEach(n -> freeze(layouts.get(n)));
        return Role.OTHER;
    }

    Role role(int node) {
        return roles[node];
    }

    /** The BatchNormalization that is the only consumer of {@code tensor}, or null. */
    NodeProto batchNormAfter(String tensor) {
        List<NodeProto> users = consumers.getOrDefault(tensor, List.of());
        return users.size() == 1 && users.get(0).getOpType().equals("BatchNormalization") ? users.get(0) : null;
    }

    /**
     * The channel indices of {@code tensor} that survive, in order; null when all do (or its
     * channels are not traced).
     */
    int[] kept(String tensor, Map<Integer, int[]> keepByRoot) {
        List<Segment> l = layouts.get(tensor);
        if (l == null) {
            return null;
        }
        boolean pruned = false;
        List<Integer> out = new ArrayList<>();
        int offset = 0;
        for (Segment s : l) {
            int[] keep = keepByRoot.get(find(s.space()));
            if (keep == null) {
                for (int c = 0; c < s.size(); c++) {
                    out.add(offset + c);
                }
            } else {
                pruned = true;
                for (int c : keep) {
                    out.add(offset + c);
                }
            }
            offset += s.size();
        }
        return pruned ? out.stream().mapToInt(Integer::intValue).toArray() : null;
    }

    int find(int space) {
        int s = space;
        while (parent.get(s) != s) {
            s = parent.get(s);
        }
        return s;
    }

    int size(int space) {
        return sizes.get(find(space));
    }

    boolean isFrozen(int space) {
        return frozen.get(find(space));
    }

    private int newSpace(int size, boolean isFrozen) {
        parent.add(parent.size());
        sizes.add(size);
        frozen.add(isFrozen);
        return parent.size() - 1;
    }

    private void union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra == rb) {
            return;
        }
        if (!sizes.get(ra).equals(sizes.get(rb))) {
            frozen.set(ra, true);
            frozen.set(rb, true);
            return;
        }
        parent.set(rb, ra);
        frozen.set(ra, frozen.get(ra) || frozen.get(rb));
    }

    private void freeze(List<Segment> layout) {
        if (layout != null) {
            layout.forEach(s -> frozen.set(find(s.space()), true));
        }
    }

    private static int width(List<Segment> layout) {
        return layout.stream().mapToInt(Segment::size).sum();
    }

    private static boolean sameSizes(List<Segment> a, List<Segment> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).size() != b.get(i).size()) {
                return false;
            }
        }
        return true;
    }
}
