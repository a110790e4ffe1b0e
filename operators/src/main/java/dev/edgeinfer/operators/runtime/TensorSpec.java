package dev.edgeinfer.operators.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name and shape of one model input or output; {@code -1} marks a dynamic dimension (batch).
 * DJL's ONNX Runtime engine reports output names without shapes, so {@code shape} may be
 * {@code null} (unknown); translators then check the shape of the first real output (warm-up).
 *
 * @param name the tensor's name in the ONNX graph
 * @param shape dimensions, {@code -1} where dynamic, or {@code null} when not known
 */
public record TensorSpec(String name, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        shape = shape == null ? null : shape.clone();
    }

    @Override
    public long[] shape() {
        return shape == null ? null : shape.clone();
    }

    public boolean hasKnownShape() {
        return shape != null;
    }

    /** Whether this tensor is {@code [N, width]} with a dynamic or any batch dimension. */
    public boolean isMatrixWithWidth(long width) {
        return shape != null && shape.length == 2 && shape[1] == width;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + (shape == null ? "[?]" : Arrays.toString(shape));
    }
}
