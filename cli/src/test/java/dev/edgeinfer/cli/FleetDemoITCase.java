package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.testutils.EdgeInferCluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code edgeinfer demo --fleet}, at its shortest: three sites and the rollout controller on one
 * broker. The controller must promote the site wave and roll the drifted canary back on its own,
 * the site that does not trust it must show STALE, and nothing may be lost or misrouted against
 * each site's own timeline.
 */
class FleetDemoITCase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The demo starts its own broker and MiniCluster: only the leak checks. */
    @RegisterExtension
    static final EdgeInferCluster LEAK_CHECKS = EdgeInferCluster.builder().withoutBroker().build();

    @TempDir Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theControllerPromotesTheWaveRollsTheDriftedCanaryBackAndTheUntrustingSiteIsStale() throws Exception {
        Path json = dir.resolve("fleet.json");
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(null, new PrintWriter(err, true), "demo", "--fleet", "--duration", "70s",
                "--report", json.toString(), "--work-dir", dir.resolve("work").toString());
        JsonNode report = JSON.readTree(json.toFile());

        assertThat(code).as(err + "\n" + report.toPrettyString()).isZero();
        assertThat(report.at("/lost").asLong()).isZero();
        assertThat(report.at("/misrouted").asLong()).isZero();
        assertThat(report.at("/results").asLong()).isPositive();
        assertThat(report.at("/fleet/sites").asInt()).isEqualTo(3);
        assertThat(report.at("/fleet/promoted").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(report.at("/fleet/autoRolledBack").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(report.at("/fleet/staleSites").asLong()).isEqualTo(1);
        assertThat(report.at("/perSite/plant-3/flagsAtEnd").toString()).contains("STALE");
        assertThat(report.at("/perSite/plant-3/perVersion").fieldNames()).toIterable().containsExactly("v1");
        assertThat(report.at("/perSite/plant-1/servingAtEnd").asText()).isEqualTo("v2");
    }
}
