package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.operators.runtime.SignatureAware;

import org.apache.flink.annotation.Internal;

/**
 * Checks a loaded graph against the signature its release declares, as a {@link SignatureAware};
 * the rules are {@link ModelSignature#mismatchWith(ModelSignature)}'s.
 */
@Internal
final class DeclaredSignatureCheck implements SignatureAware {

    private final ModelSignature declared;

    DeclaredSignatureCheck(ModelSignature declared) {
        this.declared = declared;
    }

    @Override
    public String checkSignature(ModelSignature actual) {
        return declared.mismatchWith(actual);
    }
}
