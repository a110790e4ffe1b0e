package dev.edgeinfer.jobs;

import dev.edgeinfer.broadcast.release.ModelId;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * The parts of the result JSON every job writes alike ({@code model} lineage and
 * {@code timings}), and the mapper that reads and writes each job's wire record. Field names
 * are the public contract; add fields, never rename them.
 */
public final class ResultJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private ResultJson() {}

    /** Model lineage. */
    public record Model(
            @JsonProperty("name") String name,
            @JsonProperty("version") String version,
            @JsonProperty("sha256") String sha256) {

        static Model of(ModelId id) {
            return new Model(id.name(), id.version(), id.sha256());
        }

        /** The lineage as a model id. */
        public ModelId toModelId() {
            return ModelId.of(name, version, sha256);
        }
    }

    /**
     * When the (newest) input was produced. Nothing measured per call is in a result: a replayed
     * result must be byte-identical (inference time is a metric, {@code docs/metrics.md}).
     */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true) // results written before 0.3
    public record Timings(@JsonProperty("sourceTs") long sourceTs) {}

    /** {@code result}'s lineage. */
    public static Model model(JobResult result) {
        return Model.of(result.model());
    }

    /** {@code result}'s timings. */
    public static Timings timings(JobResult result) {
        return new Timings(result.sourceTimestamp());
    }

    /** Writes a job's wire record; {@code result} names what failed. */
    public static byte[] write(Object wire, JobResult result) {
        try {
            return MAPPER.writeValueAsBytes(wire);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise result " + result, e);
        }
    }

    /** Reads a job's wire record. */
    public static <W> W read(byte[] json, Class<W> wireType) throws IOException {
        return MAPPER.readValue(json, wireType);
    }
}
