package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.fetch.FileModelFetcher;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.testutils.TestingModelHandlerFactory;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxExecutorImpl;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** A record waiting for a load lets the task thread's mails (heartbeats, status) run meanwhile. */
class TaskThreadYieldTest {

    @TempDir Path dir;

    @Test
    void mailsRunOnTheTaskThreadWhileARecordWaitsForItsVersionToLoad() throws Exception {
        TestingModelHandlerFactory factory = new TestingModelHandlerFactory();
        CountDownLatch load = factory.gate("v2");
        TaskMailboxImpl mailbox = new TaskMailboxImpl(Thread.currentThread());
        TaskThreadYield yield = new TaskThreadYield(
                new MailboxExecutorImpl(mailbox, TaskMailboxImpl.MIN_PRIORITY, StreamTaskActionExecutor.IMMEDIATE));
        List<String> ran = new ArrayList<>();
        // A "heartbeat" timer's mail, queued while the record waits; it is also what lets the load
        // finish, so the wait can only end if the mail ran inside it.
        mailbox.put(new org.apache.flink.streaming.runtime.tasks.mailbox.Mail(() -> {
            ran.add("heartbeat on " + Thread.currentThread().getName() + (yield.isYielding() ? " while waiting" : ""));
            load.countDown();
        }, TaskMailboxImpl.MIN_PRIORITY, "heartbeat"));
        Path file = Files.writeString(dir.resolve("v2.onnx"), "v2 bytes");
        ModelRelease v2 = ModelRelease.builder().model("sensor-anomaly").version("v2").sha256(Sha256.of(file))
                .uri(file.toUri().toString()).sizeBytes(Files.size(file)).signature(sensorSignature()).activateAt(1_000)
                .metadata(Map.of()).publisher("test").publishedAt(1L).build();

        try (ModelStager<String, String> stager = new ModelStager<>(factory, ModelStore.open(dir.resolve("cache"), 1 << 20, 0),
                new FileModelFetcher(), "testing-stager", 60_000,
                new InferenceMetrics(new UnregisteredMetricsGroup(), "sensor-anomaly", () -> 0, () -> 0))) {
            assertThat(stager.await(stager.stage(v2, true), yield::tryYield).predict(List.of("r"))).containsExactly("v2:r");
        }

        assertThat(ran).containsExactly("heartbeat on " + Thread.currentThread().getName() + " while waiting");
        assertThat(yield.isYielding()).isFalse();
    }

    @Test
    void offTheTaskThreadNothingIsYielded() throws Exception {
        TaskMailboxImpl mailbox = new TaskMailboxImpl(Thread.currentThread());
        TaskThreadYield yield = new TaskThreadYield(
                new MailboxExecutorImpl(mailbox, TaskMailboxImpl.MIN_PRIORITY, StreamTaskActionExecutor.IMMEDIATE));
        mailbox.put(new org.apache.flink.streaming.runtime.tasks.mailbox.Mail(() -> {}, TaskMailboxImpl.MIN_PRIORITY,
                "timer"));
        boolean[] yielded = new boolean[1];
        Thread other = new Thread(() -> yielded[0] = yield.tryYield());
        other.start();
        other.join();

        assertThat(yielded[0]).isFalse();
        assertThat(yield.tryYield()).as("the task thread still runs it").isTrue();
    }
}
