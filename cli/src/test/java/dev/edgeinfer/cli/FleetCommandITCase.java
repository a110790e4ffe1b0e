package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.status.ModelHealth;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.testutils.EdgeInferCluster;
import dev.edgeinfer.testutils.KafkaTestUtils;
import dev.edgeinfer.testutils.TestingModels;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code edgeinfer fleet --json} against a real broker: heartbeats of two sites (site ids as two
 * jobs write them) and a bad record on the status topic, releases on the control topic.
 */
class FleetCommandITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().leakTimeout(Duration.ofSeconds(10)).build();

    @Test
    void theCensusListsEverySiteWithItsServingVersionAndReportsABadStatusRecord() throws Exception {
        String control = CLUSTER.compactedTopic("control", 1);
        String status = CLUSTER.topic("status", 2);
        long now = System.currentTimeMillis();
        ModelRelease v1 = ReleaseFactory.fromFile("sensor-anomaly", "v1", TestingModels.v1().file(), 0L, 100, "t", 1L);
        new ControlTopic(CLUSTER.bootstrapServers(), control).publish(v1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (String site : List.of("plant-1", "plant-2")) {
            ModelHealth health = new ModelHealth(10_000, 2_000, 0, 0, 20, 35L, 400L, List.of(2_000L, 0L, 0L, 0L, 0L, 0L,
                    0L, 0L, 0L, 0L), Map.of(), 0, v1.sha256(), 2, "cpu", Map.of(), 300L, 60_000L);
            ModelStatus beat = ModelStatus.heartbeat(site, "sensor-anomaly", 0, v1, 2_000, health, now);
            records.add(new ProducerRecord<>(status, beat.key().getBytes(StandardCharsets.UTF_8), ModelStatusJson.toJson(beat)));
        }
        records.add(new ProducerRecord<>(status, "x".getBytes(StandardCharsets.UTF_8), "{oops".getBytes(StandardCharsets.UTF_8)));
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), records);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), "fleet",
                "--bootstrap", CLUSTER.bootstrapServers(), "--status-topic", status, "--control-topic", control, "--json");

        assertThat(code).as("%s%s", out, err).isZero();
        JsonNode census = JsonFields.MAPPER.readTree(out.toString());
        assertThat(census.get("rows")).hasSize(2);
        for (JsonNode row : census.get("rows")) {
            assertThat(row.get("serving").asText()).isEqualTo("v1");
            assertThat(row.get("recordsPerSecond").asDouble()).isEqualTo(200.0);
            assertThat(row.get("flags")).isEmpty();
        }
        assertThat(census.get("rows").findValuesAsText("site")).containsExactlyInAnyOrder("plant-1", "plant-2");
        assertThat(census.get("skipped").get("count").asLong()).isEqualTo(1);
        assertThat(census.get("skipped").get("byReason").get("MALFORMED_JSON").asLong()).isEqualTo(1);
    }

    @Test
    void aSiteStartingFreshOnALongControlHistoryIsJudgedAgainstItsNewestReleaseAndABadControlRecordIsCounted()
            throws Exception {
        String control = CLUSTER.compactedTopic("control", 1);
        String status = CLUSTER.topic("status", 1);
        long now = System.currentTimeMillis();
        ModelRelease v1 = ReleaseFactory.fromFile("sensor-anomaly", "v1", TestingModels.v1().file(), 0L, 100, "t", 1L);
        List<ProducerRecord<byte[], byte[]>> history = new ArrayList<>();
        List<ModelRelease> releases = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) { // one release a minute, for two days
            ModelRelease r = v1.toBuilder().version("v" + i).activateAt(now - 60_000L * (3_000 - i)).build();
            releases.add(r);
            history.add(new ProducerRecord<>(control, r.releaseId().getBytes(StandardCharsets.UTF_8),
                    ModelReleaseJson.toJson(r)));
        }
        history.add(new ProducerRecord<>(control, "junk".getBytes(StandardCharsets.UTF_8),
                "{\"schema\":1".getBytes(StandardCharsets.UTF_8)));
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), history);
        List<ProducerRecord<byte[], byte[]>> beats = new ArrayList<>();
        beats.add(beat(status, "plant-1", releases.get(2_999), now));
        beats.add(beat(status, "plant-9", releases.get(2_990), now)); // a new site, started on an older release
        KafkaTestUtils.produceAll(CLUSTER.bootstrapServers(), beats);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgeInferCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), "fleet",
                "--bootstrap", CLUSTER.bootstrapServers(), "--status-topic", status, "--control-topic", control);

        assertThat(code).as("%s%s", out, err).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(1)).startsWith("plant-1").contains("v2999").doesNotContain("STALE");
        assertThat(lines.get(2)).startsWith("plant-9").contains("v2990").contains("v2999").endsWith("STALE");
        assertThat(lines.get(3)).startsWith("skipped 1 bad record(s): MALFORMED_JSON 1");
        assertThat(err.toString()).isEmpty();
    }

    private static ProducerRecord<byte[], byte[]> beat(String topic, String site, ModelRelease release, long at) {
        ModelHealth health = new ModelHealth(10_000, 2_000, 0, 0, 20, 35L, 400L,
                List.of(2_000L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), Map.of(), 0, release.sha256(), 2, "cpu",
                Map.of(), 300L, 60_000L);
        ModelStatus beat = ModelStatus.heartbeat(site, "sensor-anomaly", 0, release, 2_000, health, at);
        return new ProducerRecord<>(topic, beat.key().getBytes(StandardCharsets.UTF_8), ModelStatusJson.toJson(beat));
    }
}
