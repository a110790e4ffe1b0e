package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Name and shape of one model input or output, as a release declares it or as a loaded graph
 * reports it.
 *
 * <p>{@code -1} in {@code shape} is a dynamic dimension (typically the batch axis); every other
 * dimension must be {@code >= 0}; an empty shape is a scalar. {@code shape} is {@code null} when a
 * runtime cannot tell it (DJL describes no output shapes); a release never declares such a tensor
 * (see {@link ModelSignature#declared}). The shape is copied on the way in and out, and
 * {@code equals}/{@code hashCode} compare it by content (a plain record would compare the arrays
 * by identity).
 *
 * <pre>{@code
 * TensorSpec features = TensorSpec.of("features", -1, 32);   // [batch, 32]
 * }</pre>
 *
 * <p>Construction throws {@link InvalidReleaseException} if the name is missing or blank, or a
 * dimension is below {@code -1}.
 *
 * @param name the tensor's name as the ONNX graph spells it
 * @param shape dimensions, {@code -1} = dynamic, or {@code null} when unknown
 */
public record TensorSpec(String name, long[] shape) implements Serializable {

    public TensorSpec {
        if (name == null) {
            throw InvalidReleaseException.missing("tensor.name");
        }
        if (name.isBlank()) {
            throw InvalidReleaseException.invalid("tensor.name", name, "must not be blank");
        }
        if (shape != null) {
            shape = shape.clone();
            for (long d : shape) {
                if (d < -1) {
                    throw InvalidReleaseException.invalid("tensor.shape (tensor " + name + ")",
                            Arrays.toString(shape), "dimensions must be >= 0 or -1 (dynamic)");
                }
            }
        }
    }

    /** Shorthand: {@code TensorSpec.of("features", -1, 32)}. */
    public static TensorSpec of(String name, long... shape) {
        return new TensorSpec(name, shape);
    }

    /** A copy of the shape, or {@code null} when unknown (the record stays immutable). */
    @Override
    public long[] shape() {
        return shape == null ? null : shape.clone();
    }

    /** Whether the shape is known (always, for a declared tensor). */
    public boolean hasKnownShape() {
        return shape != null;
    }

    /** The number of dimensions; the shape must be known. */
    public int rank() {
        return knownShape().length;
    }

    /** Dimension {@code i}, without copying the array; the shape must be known. */
    public long dim(int i) {
        return knownShape()[i];
    }

    /** Whether this tensor is {@code [N, width]}, whatever the batch dimension. */
    public boolean isMatrixWithWidth(long width) {
        return shape != null && shape.length == 2 && shape[1] == width;
    }

    private long[] knownShape() {
        if (shape == null) {
            throw new IllegalStateException("the shape of tensor '" + name + "' is unknown");
        }
        return shape;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + (shape == null ? "[?]" : Arrays.toString(shape));
    }
}
