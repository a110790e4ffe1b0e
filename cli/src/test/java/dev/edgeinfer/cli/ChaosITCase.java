package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.simulation.sensor.SensorFleetSimulator.MalformedKind;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code edgeinfer bench --scenario chaos}, shortened: sustained load while a TaskManager is killed,
 * every bad release and a flood of malformed control records are published and every kind of bad
 * reading is sent. It must exit 0 — nothing lost, misaligned or misrouted — and report every
 * injected fault as observed and counted.
 */
class ChaosITCase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The chaos run starts its own broker and MiniCluster: only the leak checks. */
    @RegisterExtension
    static final EdgeInferCluster LEAK_CHECKS = EdgeInferCluster.builder().withoutBroker().build();

    @TempDir Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aChaosRunLosesNothingAndCountsEveryInjectedFault() throws Exception {
        Path json = dir.resolve("chaos.json");
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(null, new PrintWriter(err, true), "bench", "--scenario", "chaos",
                "--duration", "36s", "--rate", "500", "--json", json.toString(), "--work-dir", dir.resolve("work").toString());
        JsonNode report = JSON.readTree(json.toFile());

        assertThat(code).as(err + "\n" + report.toPrettyString()).isZero();
        assertThat(report.at("/passed").asBoolean()).isTrue();
        assertThat(report.at("/inputs").asLong()).isPositive();
        assertThat(report.at("/results").asLong()).isGreaterThanOrEqualTo(report.at("/expectedResults").asLong()).isPositive();
        assertThat(report.at("/lost").asLong()).isZero();
        assertThat(report.at("/misaligned").asLong()).isZero();
        assertThat(report.at("/misrouted").asLong()).isZero();
        assertThat(report.at("/longestHeartbeatGapMs").asLong()).isPositive();
        assertThat(report.at("/latencyMs/count").asLong()).isPositive();
        assertThat(report.at("/latencyMs/p99").asDouble()).isPositive();

        List<String> kinds = new ArrayList<>();
        for (JsonNode fault : report.at("/faults")) {
            kinds.add(fault.get("kind").asText());
            assertThat(fault.get("injected").asLong()).as(fault.toString()).isPositive();
            assertThat(fault.get("observed").asLong()).as(fault.toString()).isEqualTo(fault.get("injected").asLong());
            assertThat(fault.get("counted").asBoolean()).as(fault.toString()).isTrue();
        }
        assertThat(kinds).contains("taskmanager-kill", "control-flood");
        for (MalformedKind kind : MalformedKind.values()) {
            assertThat(kinds).contains("bad-reading:" + kind);
        }
        assertThat(kinds.stream().filter(k -> k.startsWith("bad-release:"))).as("every bad release offered").hasSizeGreaterThan(10);
        assertThat(report.at("/deadLettersByReason").size()).isGreaterThanOrEqualTo(MalformedKind.values().length);
    }
}
