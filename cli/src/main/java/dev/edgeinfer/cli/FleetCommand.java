package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;
import dev.edgeinfer.cli.fleet.FleetCensus;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer fleet}: the census of sites x jobs x models from the status and control topics
 * alone (read from the beginning): serving version, heartbeat age, records/s, errors, p99, anomaly
 * rate and the STALE / SILENT / PROBLEMATIC / DIVERGENT flags ({@link FleetCensus}).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = {
    "Which version runs where, and how it is doing: reads the status and control topics from the beginning.",
    "Flags: STALE (not on the newest release for the site), SILENT (no heartbeat), PROBLEMATIC (deprecated",
    "version or error rate over the policy), DIVERGENT (score distribution far from the fleet's, PSI)."})
final class FleetCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--status-topic", defaultValue = ModelBroadcast.DEFAULT_STATUS_TOPIC, description = "Default: ${DEFAULT-VALUE}.")
    String statusTopic;

    @Option(names = "--control-topic", defaultValue = ModelBroadcast.DEFAULT_CONTROL_TOPIC, description = "Default: ${DEFAULT-VALUE}.")
    String controlTopic;

    @Option(names = "--json", description = "Print the census as JSON (rows and skipped records).")
    boolean json;

    @Option(names = "--watch", description = "Keep reading and print the census again every --interval.")
    boolean watch;

    @Option(names = "--interval", defaultValue = "2s", converter = DurationConverter.class, description = "Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--silent-after", defaultValue = "60s", converter = DurationConverter.class,
            description = "SILENT after this long without a heartbeat (default: ${DEFAULT-VALUE}).")
    Duration silentAfter;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FleetCensus census = new FleetCensus(new FleetCensus.Policy(silentAfter, FleetCensus.Policy.DEFAULTS.maxErrorRate(),
                FleetCensus.Policy.DEFAULTS.maxPsi()));
        try (KafkaConsumer<byte[], byte[]> reader = KafkaClients.reader(bootstrap, "edgeinfer-fleet", false,
                Map.of(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"))) {
            List<TopicPartition> partitions =
                    KafkaClients.assignAll(reader, List.of(statusTopic, controlTopic), Duration.ofSeconds(30));
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(p -> reader.position(p) < end.get(p))) {
                reader.poll(Duration.ofMillis(200)).forEach(r -> feed(census, r));
            }
            do {
                print(out, census, System.currentTimeMillis());
                if (watch) {
                    long until = System.nanoTime() + interval.toNanos();
                    while (System.nanoTime() < until) {
                        reader.poll(Duration.ofMillis(200)).forEach(r -> feed(census, r));
                    }
                }
            } while (watch);
        }
        return 0;
    }

    private void feed(FleetCensus census, ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        if (record.topic().equals(statusTopic)) {
            if (RolloutDecisionJson.isDecision(record.value())) {
                return; // the rollout controller's decisions share the topic; they are not status reports
            }
            census.status(record.value(), record.topic() + "/" + record.partition() + "@" + record.offset());
            return;
        }
        ControlMessage message = ControlMessage.decode(record.key(), record.value(), record.topic(),
                record.partition(), record.offset(), true);
        if (message instanceof ControlMessage.Release r) {
            census.release(r.release());
        } else if (message instanceof ControlMessage.Advisory a) {
            census.advisory(a.advisory());
        }
    }

    private void print(PrintWriter out, FleetCensus census, long now) throws Exception {
        List<FleetCensus.Row> rows = census.rows(now);
        if (json) {
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.set("rows", JsonFields.MAPPER.valueToTree(rows));
            o.set("badRecords", JsonFields.MAPPER.valueToTree(census.badRecords()));
            out.println(JsonFields.MAPPER.writeValueAsString(o));
        } else {
            if (watch) {
                out.print("\033[H\033[2J");
            }
            out.printf(Locale.ROOT, "%-16s %-16s %-16s %-10s %8s %9s %7s %9s %8s  %s%n", "SITE", "JOB", "MODEL",
                    "SERVING", "AGE s", "REC/s", "ERRORS", "P99 us", "ANOM %", "FLAGS");
            for (FleetCensus.Row r : rows) {
                out.printf(Locale.ROOT, "%-16s %-16s %-16s %-10s %8d %9.1f %7d %9s %8.2f  %s%n", r.site(), r.job(),
                        r.model(), r.serving(), r.heartbeatAgeMillis() / 1000, r.recordsPerSecond(), r.errors(),
                        r.p99Micros() == null ? "-" : r.p99Micros().toString(), 100 * r.anomalyRate(),
                        String.join(",", r.flags().stream().map(Enum::name).toList()));
            }
            census.badRecords().forEach(b -> out.println("skipped bad status record " + b));
        }
        out.flush();
    }
}
