package dev.edgeinfer.jobs.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.testutils.TestingHeartbeats;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

/** Status records on their way into the controller: heartbeats kept, bad records reported and skipped. */
class StatusRecordsTest {

    private final ModelRelease v1 = TestingHeartbeats.full("v1", 0);
    private final byte[] heartbeat = ModelStatusJson.toJson(TestingHeartbeats.healthy("plant-1", v1, 10_000, 500));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsAHeartbeatAndIgnoresOtherReports() {
        assertThat(StatusRecords.heartbeat(heartbeat)).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo("v1"));
        byte[] staged = ModelStatusJson.toJson(ModelStatus.of("plant-1", "job", 0, v1, ModelStatus.State.STAGED, 1));
        assertThat(StatusRecords.heartbeat(staged)).isEmpty();
        assertThat(StatusRecords.heartbeat(utf8("{\"schema\":1,\"type\":\"decision\",\"model\":\"m\"}"))).isEmpty();
    }

    @Test
    void refusesMalformedJsonAndUnknownSchemasNamingWhy() {
        assertThatThrownBy(() -> StatusRecords.heartbeat(utf8("{\"schema\":1,\"type\":\"status\",")))
                .isInstanceOf(InvalidReleaseException.class);
        assertThatThrownBy(() -> StatusRecords.heartbeat(utf8(new String(heartbeat, StandardCharsets.UTF_8)
                        .replace("\"schema\":1", "\"schema\":99"))))
                .isInstanceOf(InvalidReleaseException.class)
                .hasMessageContaining("99");
    }

    @Test
    void readsShadowAgreementOnlyWhenAHeartbeatCarriesOne() {
        assertThat(StatusRecords.shadowAgreement(heartbeat)).isNull();
        String withShadow = new String(heartbeat, StandardCharsets.UTF_8)
                .replace("\"health\":{", "\"health\":{\"shadowAgreement\":0.85,");
        assertThat(StatusRecords.shadowAgreement(utf8(withShadow))).isEqualTo(0.85);
        assertThat(StatusRecords.shadowAgreement(utf8("not json"))).isNull();
    }

    @Test
    void parseSkipsBadRecordsAndPassesHeartbeatsOnKeyedByModel() throws Exception {
        try (OneInputStreamOperatorTestHarness<Tuple2<String, byte[]>, Tuple2<String, byte[]>> harness =
                new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new StatusRecords.Parse()))) {
            harness.open();
            harness.processElement(Tuple2.of("status/0@0", utf8("{not json")), 0);
            harness.processElement(Tuple2.of("status/0@1", utf8("{\"schema\":7,\"type\":\"status\"}")), 0);
            harness.processElement(Tuple2.of("status/0@2", heartbeat), 0);

            assertThat(harness.extractOutputValues()).singleElement()
                    .satisfies(t -> assertThat(t.f0).isEqualTo(TestingHeartbeats.MODEL));
        }
    }
}
