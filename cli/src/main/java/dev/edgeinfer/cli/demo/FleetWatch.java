package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;
import dev.edgeinfer.cli.ConsumerPoller;
import dev.edgeinfer.cli.fleet.FleetCensus;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fleet as an operator sees it during the demo: the census of the status and control topics
 * (as {@code edgeinfer fleet} reads them) and the rollout controller's decisions, read on a
 * background thread.
 */
final class FleetWatch implements AutoCloseable {

    private final String statusTopic;
    private final FleetCensus census = new FleetCensus(FleetCensus.Policy.DEFAULTS);
    private final List<RolloutDecision> decisions = new ArrayList<>();
    private final ConsumerPoller poller;

    FleetWatch(String bootstrap, String statusTopic, String controlTopic) {
        this.statusTopic = statusTopic;
        KafkaConsumer<byte[], byte[]> consumer = KafkaClients.reader(bootstrap, "edgeinfer-demo-fleet", false, Map.of());
        consumer.seekToBeginning(
                KafkaClients.assignAll(consumer, List.of(statusTopic, controlTopic), Duration.ofSeconds(30)));
        this.poller = new ConsumerPoller(consumer, Duration.ofMillis(200), System::currentTimeMillis, this,
                (record, now) -> onRecord(record));
        poller.start("edgeinfer-demo-fleet-watch");
    }

    private void onRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        if (record.topic().equals(statusTopic)) {
            if (RolloutDecisionJson.isDecision(record.value())) {
                decisions.add(RolloutDecisionJson.fromJson(record.value()));
            } else {
                census.status(record.value(), record.topic() + "/" + record.partition() + "@" + record.offset());
            }
            return;
        }
        ControlMessage m = ControlMessage.decode(record.key(), record.value(), record.topic(), record.partition(),
                record.offset(), true);
        if (m instanceof ControlMessage.Release r) {
            census.release(r.release());
        } else if (m instanceof ControlMessage.Advisory a) {
            census.advisory(a.advisory());
        }
    }

    synchronized List<FleetCensus.Row> rows(long now) {
        return census.rows(now);
    }

    synchronized List<String> badRecords() {
        return census.badRecords();
    }

    synchronized List<RolloutDecision> decisions() {
        return List.copyOf(decisions);
    }

    @Override
    public void close() throws InterruptedException {
        poller.close();
    }
}
