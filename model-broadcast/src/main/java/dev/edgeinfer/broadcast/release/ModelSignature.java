package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The inputs and outputs of a model: what a release declares, or what a loaded graph has.
 *
 * <pre>{@code
 * ModelSignature declared = ModelSignature.declared(
 *         List.of(TensorSpec.of("features", -1, 32)),
 *         List.of(TensorSpec.of("score", -1, 1)));
 * String problem = declared.mismatchWith(loadedSignature);   // null when the model fits
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The lists are copied into unmodifiable lists in their given
 * (graph) order and hold no {@code null}. A loaded graph's signature may have unknown shapes, or no
 * outputs at all where the runtime cannot describe them. A <em>declared</em> signature (every
 * {@link ModelRelease}'s, see {@link #declared} and {@link #requireDeclared()}) is stricter: both
 * lists non-empty, names unique within each list, every shape known. Violations are
 * {@link InvalidReleaseException}s naming the field ({@code signature.inputs[1].name}) and value.
 *
 * @param inputs the inputs, in order
 * @param outputs the outputs, in order
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) implements Serializable {

    public ModelSignature {
        inputs = copy("signature.inputs", inputs);
        outputs = copy("signature.outputs", outputs);
    }

    /**
     * A signature as a release declares it.
     *
     * @throws InvalidReleaseException if a list is empty, a name repeats or a shape is unknown
     */
    public static ModelSignature declared(List<TensorSpec> inputs, List<TensorSpec> outputs) {
        return new ModelSignature(inputs, outputs).requireDeclared();
    }

    /**
     * This signature, if a release may declare it.
     *
     * @throws InvalidReleaseException if a list is empty, a name repeats or a shape is unknown
     */
    public ModelSignature requireDeclared() {
        checkDeclared("signature.inputs", inputs);
        checkDeclared("signature.outputs", outputs);
        return this;
    }

    /**
     * Compares this declared signature with a loaded graph's: the same input and output names in
     * the same order, and the same shapes ({@code -1} matches only {@code -1}: a publisher who
     * declares a dynamic batch must ship a dynamic batch). Shapes or outputs the runtime could not
     * describe are not compared.
     *
     * @return {@code null} if they match, otherwise a description of the first difference
     */
    public String mismatchWith(ModelSignature actual) {
        String problem = mismatch("input", inputs, actual.inputs);
        if (problem != null || actual.outputs.isEmpty()) {
            return problem;
        }
        return mismatch("output", outputs, actual.outputs);
    }

    private static String mismatch(String what, List<TensorSpec> declared, List<TensorSpec> actual) {
        if (declared.size() != actual.size()) {
            return "declared " + declared.size() + " " + what + "s " + declared + ", the model has " + actual.size()
                    + " " + actual;
        }
        for (int i = 0; i < declared.size(); i++) {
            TensorSpec d = declared.get(i);
            TensorSpec a = actual.get(i);
            if (!d.name().equals(a.name())) {
                return what + " " + i + " is declared '" + d.name() + "' but the model names it '" + a.name() + "'";
            }
            if (a.hasKnownShape() && !Arrays.equals(d.shape(), a.shape())) {
                return what + " '" + d.name() + "' is declared " + Arrays.toString(d.shape())
                        + " but the model has " + Arrays.toString(a.shape());
            }
        }
        return null;
    }

    private static List<TensorSpec> copy(String field, List<TensorSpec> tensors) {
        if (tensors == null) {
            throw InvalidReleaseException.missing(field);
        }
        List<TensorSpec> copy = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i) == null) {
                throw InvalidReleaseException.missing(field + "[" + i + "]");
            }
            copy.add(tensors.get(i));
        }
        return List.copyOf(copy);
    }

    private static void checkDeclared(String field, List<TensorSpec> tensors) {
        if (tensors.isEmpty()) {
            // A model with no inputs or outputs cannot be scored; catching it here beats a load failure later.
            throw InvalidReleaseException.invalid(field, "[]", "must declare at least one tensor");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            if (!names.add(t.name())) {
                throw InvalidReleaseException.invalid(field + "[" + i + "].name", t.name(), "is declared twice");
            }
            if (!t.hasKnownShape()) {
                throw InvalidReleaseException.missing(field + "[" + i + "].shape");
            }
        }
    }

    @Override
    public String toString() {
        return "inputs " + inputs + " -> outputs " + outputs;
    }
}
