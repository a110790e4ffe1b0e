package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of a model's declared input/output signature.
 *
 * <p>{@code -1} in {@code shape} is a dynamic dimension (typically the batch axis); every other
 * dimension must be {@code >= 0}. An empty shape is a scalar. The shape array is copied on the way
 * in and out, and {@code equals}/{@code hashCode} compare it by content, so this record is truly
 * immutable (a plain record with an array component would compare arrays by identity).
 *
 * <pre>{@code
 * TensorDecl features = TensorDecl.of("features", -1, 32);   // [batch, 32]
 * }</pre>
 *
 * @param name the tensor's name as the ONNX graph spells it
 * @param shape dimensions, {@code -1} = dynamic
 */
public record TensorDecl(String name, long[] shape) implements Serializable {

    public TensorDecl {
        if (name == null) {
            throw InvalidReleaseException.missing("tensor.name");
        }
        if (name.isBlank()) {
            throw InvalidReleaseException.invalid("tensor.name", name, "must not be blank");
        }
        if (shape == null) {
            throw InvalidReleaseException.missing("tensor.shape (tensor " + name + ")");
        }
        shape = shape.clone();
        for (long d : shape) {
            if (d < -1) {
                throw InvalidReleaseException.invalid(
                        "tensor.shape (tensor " + name + ")",
                        Arrays.toString(shape),
                        "dimensions must be >= 0 or -1 (dynamic)");
            }
        }
    }

    /** Shorthand: {@code TensorDecl.of("features", -1, 32)}. */
    public static TensorDecl of(String name, long... shape) {
        return new TensorDecl(name, shape);
    }

    /** A copy of the shape (the record stays immutable). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}, without copying the array. */
    public long dim(int i) {
        return shape[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorDecl t && name.equals(t.name) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
