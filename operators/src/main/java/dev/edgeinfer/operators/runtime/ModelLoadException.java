package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.ModelId;

import java.nio.file.Path;

/**
 * A model could not be loaded or does not fit the job: wrong bytes, not ONNX, wrong signature.
 * Known-fatal for this model version; the message says what is wrong and carries the model.
 */
public class ModelLoadException extends Exception {

    private final ModelId model;
    private final Path file;

    public ModelLoadException(ModelId model, Path file, String diagnosis) {
        super(message(model, file, diagnosis));
        this.model = model;
        this.file = file;
    }

    public ModelLoadException(ModelId model, Path file, String diagnosis, Throwable cause) {
        super(message(model, file, diagnosis), cause);
        this.model = model;
        this.file = file;
    }

    private static String message(ModelId model, Path file, String diagnosis) {
        return "model " + model + " from " + file + ": " + diagnosis;
    }

    public ModelId model() {
        return model;
    }

    public Path file() {
        return file;
    }
}
