package dev.edgeinfer.simulation.models;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The convolutional operators Tribuo's {@link ONNXOperators} does not have, declared for Tribuo's
 * ONNX graph builder at the same operator set (ONNX opset 13, default domain).
 */
enum CnnOperators implements ONNXOperator {
    /** {@code Conv(X, W[, B])}; we set {@code kernel_shape} (no padding, stride 1). */
    CONV("Conv", 2, 1, Map.of(
            "kernel_shape", OnnxMl.AttributeProto.AttributeType.INTS,
            "strides", OnnxMl.AttributeProto.AttributeType.INTS,
            "pads", OnnxMl.AttributeProto.AttributeType.INTS,
            "group", OnnxMl.AttributeProto.AttributeType.INT)),
    RELU("Relu", 1, 0, Map.of()),
    /** {@code [N, C, H, W] -> [N, C, 1, 1]}. */
    GLOBAL_AVERAGE_POOL("GlobalAveragePool", 1, 0, Map.of()),
    /** {@code [N, C, 1, 1] -> [N, C]} with {@code axis = 1}. */
    FLATTEN("Flatten", 1, 0, Map.of("axis", OnnxMl.AttributeProto.AttributeType.INT));

    private final String opName;
    private final int inputs;
    private final int optionalInputs;
    private final Map<String, ONNXAttribute> attributes;

    CnnOperators(String opName, int inputs, int optionalInputs, Map<String, OnnxMl.AttributeProto.AttributeType> attributes) {
        this.opName = opName;
        this.inputs = inputs;
        this.optionalInputs = optionalInputs;
        Map<String, ONNXAttribute> map = new HashMap<>();
        attributes.forEach((name, type) -> map.put(name, new ONNXAttribute(name, type, false)));
        this.attributes = Collections.unmodifiableMap(map);
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return inputs;
    }

    @Override
    public int getNumOptionalInputs() {
        return optionalInputs;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return Set.of();
    }

    @Override
    public int getOpVersion() {
        return ONNXOperators.getOpsetVersion();
    }

    @Override
    public String getOpDomain() {
        return "ai.onnx";
    }
}
