package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The immutable identity of one model version: name, version and the sha256 of its bytes.
 *
 * <p>Models are always named by this triple, never by a path that may be reused: two files with
 * the same name and version but different bytes are different models, and every inference
 * result carries the {@code ModelId} that produced it (its lineage).
 *
 * <pre>{@code
 * ModelId id = ModelId.of("sensor-anomaly", "v2", Sha256.of(bytes));
 * }</pre>
 *
 * @param name the model's name, e.g. {@code sensor-anomaly}
 * @param version the version label, e.g. {@code v2}
 * @param sha256 lower-case hex sha256 of the ONNX file's bytes
 */
public record ModelId(String name, String version, String sha256) implements Serializable {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public ModelId {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
        if (name.isBlank()) {
            throw new IllegalArgumentException("model name must not be blank");
        }
        if (version.isBlank()) {
            throw new IllegalArgumentException("model version must not be blank (model " + name + ")");
        }
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException(
                    "sha256 must be 64 lower-case hex characters, got '" + sha256 + "' (model "
                            + name + " " + version + ")");
        }
    }

    public static ModelId of(String name, String version, String sha256) {
        return new ModelId(name, version, sha256);
    }

    @Override
    public String toString() {
        return name + ":" + version + "@" + sha256.substring(0, 12);
    }
}
