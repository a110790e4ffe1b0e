package dev.edgeinfer.testutils;

import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.jobs.sensor.SensorResult;
import dev.edgeinfer.jobs.sensor.SensorResultJson;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads what the sensor job wrote: results and model status reports, decoded. */
public final class JobOutputs {

    private JobOutputs() {}

    /**
     * Results on {@code topic}, read until at least {@code atLeast} are there (or the timeout
     * passes), then for {@code settle} longer so that extra (duplicate) results can show up.
     */
    public static List<SensorResult> results(
            String bootstrap, String topic, int atLeast, Duration timeout, Duration settle) {
        return decodeResults(
                KafkaTestUtils.readUntil(bootstrap, topic, false, r -> r.size() >= atLeast, timeout, settle));
    }

    /** Status reports on {@code topic}, read until {@code done} holds for them (or the timeout passes). */
    public static List<ModelStatus> statusesUntil(
            String bootstrap, String topic, Predicate<List<ModelStatus>> done, Duration timeout) {
        return decodeStatuses(KafkaTestUtils.readUntil(
                bootstrap, topic, false, r -> done.test(decodeStatuses(r)), timeout, Duration.ZERO));
    }

    /** Status reports on {@code topic} now, in topic order. */
    public static List<ModelStatus> statuses(String bootstrap, String topic) {
        return decodeStatuses(KafkaTestUtils.readUntil(
                bootstrap, topic, false, r -> false, Duration.ofMillis(500), Duration.ZERO));
    }

    /** Whether every subtask {@code 0 .. parallelism-1} made a report matching {@code report}. */
    public static boolean fromEverySubtask(List<ModelStatus> statuses, int parallelism, Predicate<ModelStatus> report) {
        for (int subtask = 0; subtask < parallelism; subtask++) {
            int s = subtask;
            if (statuses.stream().noneMatch(st -> st.subtask() == s && report.test(st))) {
                return false;
            }
        }
        return true;
    }

    private static List<SensorResult> decodeResults(List<ConsumerRecord<byte[], byte[]>> records) {
        List<SensorResult> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                out.add(SensorResultJson.fromJson(record.value()));
            } catch (IOException e) {
                throw new UncheckedIOException("unreadable result at offset " + record.offset(), e);
            }
        }
        return out;
    }

    private static List<ModelStatus> decodeStatuses(List<ConsumerRecord<byte[], byte[]>> records) {
        List<ModelStatus> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            out.add(ModelStatusJson.fromJson(record.value()));
        }
        return out;
    }
}
