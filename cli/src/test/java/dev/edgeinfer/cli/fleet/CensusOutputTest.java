package dev.edgeinfer.cli.fleet;

import static dev.edgeinfer.testutils.TestingHeartbeats.beat;
import static dev.edgeinfer.testutils.TestingHeartbeats.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The census's JSON has the documented shape (docs/fleet.md) and the table ends with the skipped records. */
class CensusOutputTest {

    private static final long NOW = 1_000_000;

    private static FleetCensus census() {
        FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
        ModelRelease v1 = release("v1", 0, ReleaseTarget.ALL);
        census.release(v1);
        beat("plant-1", v1, NOW - 3_000).into(census::status);
        census.status("{oops".getBytes(StandardCharsets.UTF_8), "edge.models.status/1@7");
        return census;
    }

    @Test
    void theJsonHasEveryDocumentedFieldInEveryRowAndTheSkippedRecords() {
        FleetCensus census = census();
        ObjectNode json = CensusOutput.json(census.rows(NOW), census.skipped(), NOW);

        assertThat(json.fieldNames()).toIterable().containsExactly("schema", "at", "rows", "skipped");
        assertThat(json.get("schema").asInt()).isEqualTo(1);
        JsonNode row = json.get("rows").get(0);
        assertThat(row.fieldNames()).toIterable().containsExactly("site", "job", "model", "serving", "variant",
                "expected", "releasesBehind", "canary", "canaryPercent", "shadow", "shadowAgreement", "staged", "subtasks",
                "heartbeatAgeMillis",
                "recordsPerSecond", "scored", "errors", "p99Micros", "anomalyRate", "topClass", "topClassRate",
                "flags");
        assertThat(row.get("canary").isNull()).isTrue();
        assertThat(row.get("flags").isArray()).isTrue();
        assertThat(row.get("staged").isArray()).isTrue();
        assertThat(row.get("heartbeatAgeMillis").asLong()).isEqualTo(3_000);
        JsonNode skipped = json.get("skipped");
        assertThat(skipped.fieldNames()).toIterable().containsExactly("count", "byReason", "examples");
        assertThat(skipped.get("count").asLong()).isEqualTo(1);
        assertThat(skipped.get("byReason").get("MALFORMED_JSON").asLong()).isEqualTo(1);
        assertThat(skipped.get("examples").get(0).get("where").asText()).isEqualTo("edge.models.status/1@7");
    }

    @Test
    void theTableListsEachRowAndAFooterOfSkippedRecordsByReason() {
        FleetCensus census = census();
        StringWriter out = new StringWriter();
        CensusOutput.table(new PrintWriter(out, true), census.rows(NOW), census.skipped());

        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("SITE").contains("SERVING", "VARIANT", "EXPECTED", "OTHERS", "FLAGS");
        assertThat(lines.get(1)).startsWith("plant-1").contains("v1");
        assertThat(lines.get(2)).isEqualTo("skipped 1 bad record(s): MALFORMED_JSON 1");
        assertThat(lines.get(3)).startsWith("  edge.models.status/1@7: MALFORMED_JSON");
    }
}
