package dev.edgeinfer.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Validates the Helm chart's rendered manifests ({@code target/helm/*.yaml}, written by
 * {@code helm/check-chart.sh}, which {@code .ci/run} runs before {@code mvn verify}) against the
 * project's schemas in {@code helm/schemas}: every FlinkDeployment and PodMonitor. Skipped, with
 * the reason, when nothing was rendered. Also proves the check can fail on a misspelt field.
 */
class RenderedManifestsTest {

    private static final Map<String, String> SCHEMAS = Map.of(
            "FlinkDeployment", "helm/schemas/flinkdeployment.schema.json",
            "PodMonitor", "helm/schemas/podmonitor.schema.json");

    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void everyRenderedFlinkDeploymentAndPodMonitorMatchesItsSchema() throws IOException {
        List<JsonNode> docs = renderedDocuments();
        List<String> problems = new ArrayList<>();
        int flinkDeployments = 0;
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (kind.equals("FlinkDeployment")) {
                flinkDeployments++;
            }
            if (SCHEMAS.containsKey(kind)) {
                for (ValidationMessage m : validate(doc)) {
                    problems.add(kind + " " + doc.at("/metadata/name").asText() + ": " + m.getMessage());
                }
            }
        }
        assertThat(flinkDeployments)
                .as("FlinkDeployments rendered into target/helm")
                .isPositive();
        assertThat(problems).isEmpty();
    }

    @Test
    void everyRenderedTaskManagerRunsTheLowLatencyJvmOptionsByDefault() throws IOException {
        List<JsonNode> deployments = renderedDocuments().stream()
                .filter(d -> d.path("kind").asText().equals("FlinkDeployment")).toList();
        assertThat(deployments).isNotEmpty();
        for (JsonNode d : deployments) {
            assertThat(d.at("/spec/flinkConfiguration/env.java.opts.taskmanager").asText())
                    .as(d.at("/metadata/name").asText())
                    .contains("-XX:TieredStopAtLevel=1", "-XX:MaxGCPauseMillis=20");
        }
    }

    @Test
    void theSchemaRefusesAMisspeltUpgradeModeAnUnknownStateAndAnUnknownField() throws IOException {
        JsonNode sample = renderedDocuments().stream()
                .filter(d -> d.path("kind").asText().equals("FlinkDeployment"))
                .findFirst()
                .orElseThrow();
        assertThat(validate(sample)).isEmpty();

        ObjectNode misspelt = sample.deepCopy();
        ObjectNode job = (ObjectNode) misspelt.at("/spec/job");
        job.set("upgradeMod", job.remove("upgradeMode"));
        assertThat(validate(misspelt))
                .extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("upgradeMod"))
                .anyMatch(m -> m.contains("upgradeMode"));

        ObjectNode paused = sample.deepCopy();
        ((ObjectNode) paused.at("/spec/job")).put("state", "paused");
        assertThat(validate(paused)).extracting(ValidationMessage::getMessage).anyMatch(m -> m.contains("state"));

        ObjectNode typo = sample.deepCopy();
        ((ObjectNode) typo.get("spec")).set("taskManger", typo.at("/spec/taskManager"));
        assertThat(validate(typo)).extracting(ValidationMessage::getMessage).anyMatch(m -> m.contains("taskManger"));
    }

    private static Set<ValidationMessage> validate(JsonNode doc) throws IOException {
        String kind = doc.path("kind").asText();
        try (InputStream in = Files.newInputStream(RepositoryFiles.resolve(SCHEMAS.get(kind)))) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(new ObjectMapper().readTree(in));
            return schema.validate(doc);
        }
    }

    private static List<JsonNode> renderedDocuments() throws IOException {
        Path dir = RepositoryFiles.resolve("target/helm");
        List<Path> files;
        try (Stream<Path> list = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assumeTrue(
                !files.isEmpty(),
                "SKIPPED: no rendered chart in " + dir + " - run `bash helm/check-chart.sh` first (.ci/run does)");
        List<JsonNode> docs = new ArrayList<>();
        for (Path file : files) {
            try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    if (doc != null && doc.isObject()) {
                        docs.add(doc);
                    }
                }
            }
        }
        return docs;
    }
}
