package dev.edgeinfer.operators.runtime;

import java.util.List;

/**
 * The inputs and outputs an ONNX model declares, read from the loaded graph.
 *
 * @param inputs the graph inputs, in order
 * @param outputs the graph outputs, in order; empty when the engine does not describe them
 *     (DJL's ONNX Runtime engine does not), in which case the first prediction is checked
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    @Override
    public String toString() {
        return "inputs " + inputs + " -> outputs " + outputs;
    }
}
