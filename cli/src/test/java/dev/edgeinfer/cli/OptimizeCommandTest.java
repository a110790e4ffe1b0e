package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

class OptimizeCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesVariantsTableReportAndChartForTheSmallExample() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "optimize",
                "--example",
                "mobilenetv2-small",
                "--frames",
                "2",
                "--prune",
                "0.5",
                "--latency-runs",
                "5",
                "--repeats",
                "1",
                "--out",
                dir.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("int8-reduced", "pruned-50", "speed");
        assertThat(dir.resolve("quality-vs-latency.png")).exists();
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertThat(report.get("variants")).hasSize(4);
        assertThat(report.get("variants")
                        .get(1)
                        .get("fidelity")
                        .get("top1Agreement")
                        .asDouble())
                .isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void refusesAMissingModel() {
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(
                new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true),
                "optimize",
                "--model",
                dir.resolve("none.onnx").toString(),
                "--out",
                dir.toString());
        assertThat(code).isNotZero();
    }
}
