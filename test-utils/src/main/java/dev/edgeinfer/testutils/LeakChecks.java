package dev.edgeinfer.testutils;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.operators.runtime.OnnxModelRunner;

import java.time.Duration;

/** The check every integration test ends with: the job left no ONNX session and no Kafka producer open. */
public final class LeakChecks {

    private LeakChecks() {}

    /** Waits up to 30 s (closing is asynchronous after a cancel) and fails naming what is still open. */
    public static void assertNoOnnxSessionOrKafkaProducerLeft() throws InterruptedException {
        assertThat(KafkaTestUtils.eventually(() -> OnnxModelRunner.openRunners() == 0, Duration.ofSeconds(30)))
                .as("ONNX Runtime sessions still open after the job ended: %d", OnnxModelRunner.openRunners())
                .isTrue();
        assertThat(KafkaTestUtils.eventually(
                        () -> KafkaTestUtils.openKafkaClients("producer", "*").isEmpty(), Duration.ofSeconds(30)))
                .as("Kafka producers still open: %s", KafkaTestUtils.openKafkaClients("producer", "*"))
                .isTrue();
    }
}
