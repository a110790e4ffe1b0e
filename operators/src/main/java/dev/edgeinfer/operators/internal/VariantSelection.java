package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelVariant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.annotation.Internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The outcome of choosing a release's variant on one TaskManager: the variant chosen (or none),
 * the budget it was chosen under and what was measured, as written to the status topic.
 *
 * <pre>{@code
 * {"chosen":{"kind":"int8","sha256":"9d1e...","fidelity":0.995},"budgetMs":40.0,"batchSize":32,
 *  "hardware":"amd64 [avx512_vnni] [cpu]","clock":"thread-cpu","measurements":[
 *    {"kind":"fp32","sha256":"3f2a...","outcome":"OVER_BUDGET","p99Ms":61.2,"runs":1},
 *    {"kind":"int8","sha256":"9d1e...","outcome":"FITS","p99Ms":31.0,"runs":30}]}
 * }</pre>
 *
 * @param chosen the variant served, or {@code null} when none fits ({@code LATENCY_BUDGET})
 * @param budgetMs the p99 budget per batch in milliseconds, or 0 when no budget is set
 * @param batchSize records per benchmarked batch (the job's maximum batch size)
 * @param hardware the hardware the choice holds for ({@link HardwareProfile#describe})
 * @param clock what timed the runs: {@code thread-cpu} or {@code wall} ({@link LatencyBudgetGate})
 * @param measurements one per variant, in the order they were considered
 */
@Internal
record VariantSelection(
        ModelVariant chosen,
        double budgetMs,
        int batchSize,
        String hardware,
        String clock,
        List<Measurement> measurements) {

    /** What happened to one variant. */
    enum Outcome {
        /** Its p99 is within the budget (or no budget is set): the most faithful such variant is chosen. */
        FITS,
        /** One batch already took longer than the budget (so did its p99). */
        OVER_BUDGET,
        /** This hardware lacks every CPU flag it needs, or its execution provider. */
        UNSUPPORTED_HARDWARE,
        /** Not measured: a more faithful variant fits. */
        NOT_NEEDED
    }

    /** @param p99Ms nearest-rank p99 over {@code runs} timed batches (NaN when not measured) */
    record Measurement(ModelVariant variant, Outcome outcome, double p99Ms, int runs) {}

    /** The status-topic detail: compact JSON (see the class comment). */
    String toJson() {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        if (chosen == null) {
            o.putNull("chosen");
        } else {
            ObjectNode c = o.putObject("chosen");
            c.put("kind", chosen.kind());
            c.put("sha256", chosen.sha256());
            c.put("fidelity", chosen.fidelity());
        }
        o.put("budgetMs", budgetMs);
        o.put("batchSize", batchSize);
        o.put("hardware", hardware);
        o.put("clock", clock);
        ArrayNode list = o.putArray("measurements");
        for (Measurement m : measurements) {
            ObjectNode n = list.addObject();
            n.put("kind", m.variant().kind());
            n.put("sha256", m.variant().sha256());
            n.put("outcome", m.outcome().name());
            if (!Double.isNaN(m.p99Ms())) {
                n.put("p99Ms", Math.round(m.p99Ms() * 1000) / 1000.0);
            }
            n.put("runs", m.runs());
        }
        return new String(JsonFields.write(o), StandardCharsets.UTF_8);
    }
}
