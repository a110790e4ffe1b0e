package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.DeclaredSignature;
import dev.edgeinfer.broadcast.release.TensorDecl;
import dev.edgeinfer.operators.runtime.ModelSignature;
import dev.edgeinfer.operators.runtime.SignatureAware;
import dev.edgeinfer.operators.runtime.TensorSpec;

import java.util.Arrays;
import java.util.List;

/**
 * Compares a loaded graph with the signature its release declares: same input and output names
 * in the same order, and the same shapes ({@code -1} matches only {@code -1}: a publisher who
 * declares a dynamic batch must ship a dynamic batch).
 */
final class DeclaredSignatureCheck implements SignatureAware {

    private final DeclaredSignature declared;

    DeclaredSignatureCheck(DeclaredSignature declared) {
        this.declared = declared;
    }

    @Override
    public String checkSignature(ModelSignature actual) {
        String inputs = compare("input", declared.inputs(), actual.inputs());
        if (inputs != null) {
            return inputs;
        }
        // Outputs are compared only where the runtime could describe them.
        return actual.outputs().isEmpty() ? null : compare("output", declared.outputs(), actual.outputs());
    }

    private static String compare(String what, List<TensorDecl> declared, List<TensorSpec> actual) {
        if (declared.size() != actual.size()) {
            return "declared " + declared.size() + " " + what + "s " + declared + ", the model has " + actual.size()
                    + " " + actual;
        }
        for (int i = 0; i < declared.size(); i++) {
            TensorDecl d = declared.get(i);
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
}
