package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code edgeinfer bench} end to end with small settings: embedded broker, bare ORT, pass-through
 * and pipeline jobs on a MiniCluster, a rollover, the JSON report and the chart.
 */
class BenchCommandITCase {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void benchWritesEveryMeasurement(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(null, new PrintWriter(err, true),
                "bench", "--scenario", "sensor", "--rate", "500", "--duration", "8s", "--backlog", "10000",
                "--bare-ort-duration", "2s", "--warmup", "1s", "--rollover-lead", "3s", "--json", json.toString(),
                "--work-dir", dir.resolve("work").toString());
        assertThat(code).as(err.toString()).isZero();

        JsonNode report = JsonMapper.builder().build().readTree(json.toFile());
        for (String path : List.of("/bareOrt/throughput", "/passthrough/p50", "/passthrough/p99", "/pipeline/throughput",
                "/pipeline/p50", "/pipeline/p99", "/rollover/p99Window", "/rollover/p99Steady",
                "/ratios/throughputVsBareOrt", "/ratios/p99VsPassthrough", "/ratios/rolloverP99", "/machine/cores")) {
            assertThat(report.at(path).asDouble()).as(path).isPositive();
        }
        assertThat(report.at("/machine/jvm").asText()).isNotBlank();
        assertThat(report.at("/pipeline/misrouted").asLong()).isZero();
        assertThat(report.at("/pipeline/lost").asLong()).isZero();
        assertThat(report.at("/pipeline/perVersion/v2").asLong()).isPositive();
        Path chart = dir.resolve("bench.png");
        assertThat(chart).exists();
        assertThat(Files.size(chart)).isGreaterThan(10_000);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void framesBenchWritesEveryMeasurement(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("frames.json");
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(null, new PrintWriter(err, true),
                "bench", "--scenario", "frames", "--rate", "60", "--duration", "6s", "--backlog", "1000",
                "--bare-ort-duration", "2s", "--warmup", "1s", "--rollover-lead", "2s", "--json", json.toString(),
                "--work-dir", dir.resolve("work").toString());
        assertThat(code).as(err.toString()).isZero();

        JsonNode report = JsonMapper.builder().build().readTree(json.toFile());
        assertThat(report.at("/scenario").asText()).isEqualTo("frames");
        assertThat(report.at("/unit").asText()).isEqualTo("frames");
        for (String path : List.of("/bareOrt/throughput", "/passthrough/p50", "/passthrough/p99", "/pipeline/throughput",
                "/pipeline/p50", "/pipeline/p99", "/rollover/p99Window", "/rollover/p99Steady",
                "/ratios/throughputVsBareOrt", "/ratios/p99VsPassthrough", "/ratios/rolloverP99")) {
            assertThat(report.at(path).asDouble()).as(path).isPositive();
        }
        assertThat(report.at("/settings/rate").asDouble()).isEqualTo(60.0);
        assertThat(report.at("/settings/devices").asInt()).isEqualTo(4);
        assertThat(report.at("/settings/modelSize").asInt()).isEqualTo(96);
        assertThat(report.at("/settings/inputsPerInference").asDouble()).isEqualTo(1.0);
        assertThat(report.at("/targets/p99LimitMs").asDouble()).isEqualTo(50.0);
        assertThat(report.at("/pipeline/misrouted").asLong()).isZero();
        assertThat(report.at("/pipeline/lost").asLong()).isZero();
        assertThat(report.at("/pipeline/perVersion/v2").asLong()).isPositive();
        Path chart = dir.resolve("frames.png");
        assertThat(chart).exists();
        assertThat(Files.size(chart)).isGreaterThan(10_000);
    }

    @Test
    void modelSizeIsRefusedForSensor() {
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(null, new PrintWriter(err, true), "bench", "--scenario", "sensor", "--model-size", "96");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--scenario frames only");
    }
}
