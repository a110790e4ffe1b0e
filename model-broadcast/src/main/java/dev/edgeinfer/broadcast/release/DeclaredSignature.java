package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The input/output signature a publisher declares for a release; the runtime checks the loaded
 * model against it and rejects the release ({@code SIGNATURE_MISMATCH}) if they differ.
 *
 * <p>Both lists must be non-empty, and tensor names must be unique within each list. The lists are
 * copied into unmodifiable lists; their order is the declared order.
 *
 * <pre>{@code
 * DeclaredSignature sig = new DeclaredSignature(
 *         List.of(TensorDecl.of("features", -1, 32)),
 *         List.of(TensorDecl.of("score", -1, 1)));
 * }</pre>
 *
 * @param inputs the declared inputs
 * @param outputs the declared outputs
 */
public record DeclaredSignature(List<TensorDecl> inputs, List<TensorDecl> outputs)
        implements Serializable {

    public DeclaredSignature {
        inputs = checked("signature.inputs", inputs);
        outputs = checked("signature.outputs", outputs);
    }

    private static List<TensorDecl> checked(String field, List<TensorDecl> tensors) {
        if (tensors == null) {
            throw InvalidReleaseException.missing(field);
        }
        if (tensors.isEmpty()) {
            // A model with no inputs or outputs cannot be scored; catching it here beats a load failure later.
            throw InvalidReleaseException.invalid(field, "[]", "must declare at least one tensor");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensors.size(); i++) {
            TensorDecl t = tensors.get(i);
            if (t == null) {
                throw InvalidReleaseException.missing(field + "[" + i + "]");
            }
            if (!names.add(t.name())) {
                throw InvalidReleaseException.invalid(field + "[" + i + "].name", t.name(), "is declared twice");
            }
        }
        return List.copyOf(tensors);
    }
}
