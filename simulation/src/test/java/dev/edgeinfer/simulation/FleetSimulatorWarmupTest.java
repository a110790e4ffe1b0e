package dev.edgeinfer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.simulation.frames.FrameFleetSimulator;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulators' warm-up samples are built like real records but neither booked nor drawn from
 * the simulation's random stream: a warmed simulator sends exactly what a cold one would.
 * (No broker here: samples are only built, never sent.)
 */
class FleetSimulatorWarmupTest {

    private static final String NO_BROKER = "127.0.0.1:9";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void sensorSamplesAreReadingsAndMalformedRecordsThatChangeNothingTheSimulatorSends() throws Exception {
        try (SensorFleetSimulator warmed = sensors(); SensorFleetSimulator cold = sensors()) {
            List<ProducerRecord<byte[], byte[]>> samples = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                samples.add(((FleetSimulator) warmed).sample(i));
            }
            assertThat(samples).allMatch(r -> r.topic().equals("readings"));
            assertThat(samples.stream().filter(r -> isReading(r.value())).count()).isEqualTo(180);
            assertThat(warmed.sent()).isZero();
            assertThat(warmed.validReadings()).isZero();
            assertThat(warmed.malformedInjected()).isZero();
            for (int i = 0; i < 500; i++) {
                assertThat(withoutTs(((FleetSimulator) warmed).next(i % 4).value()))
                        .isEqualTo(withoutTs(((FleetSimulator) cold).next(i % 4).value()));
            }
        }
    }

    @Test
    void frameSamplesAreNeitherBookedNorLabelled() throws Exception {
        try (FrameFleetSimulator cameras = new FrameFleetSimulator(NO_BROKER, "frames", 2, 10, 32, 32, 0.1, 64 * 1024, 7)) {
            for (int i = 0; i < 50; i++) {
                assertThat(((FleetSimulator) cameras).sample(i).value()).isNotEmpty();
            }
            assertThat(cameras.goodFrames()).isZero();
            assertThat(cameras.badInjected()).isZero();
        }
    }

    private static SensorFleetSimulator sensors() {
        return new SensorFleetSimulator(NO_BROKER, "readings", 4, 3, 100, 0.1, 0.05, 42);
    }

    private static boolean isReading(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            // A reading as the job accepts it: a current time stamp and one value per channel.
            return node != null && node.path("ts").isNumber() && node.get("ts").asLong() > 1_000_000_000_000L
                    && node.path("values").size() == 3;
        } catch (Exception e) {
            return false;
        }
    }

    /** The record without its send time (the one thing that may differ between runs). */
    private static String withoutTs(byte[] value) {
        return new String(value, java.nio.charset.StandardCharsets.UTF_8).replaceAll("\"ts\":\\s*\\d+", "\"ts\":_");
    }
}
