package dev.edgeinfer.jobs.controller;

import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.ModelStatusJson;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.Optional;

/**
 * Status-topic records on their way into the controller. The source passes each record on as
 * {@code (where, value bytes)} without judging it; {@link Parse} then keeps the heartbeats (as
 * {@code (model, value bytes)}, keyed by model downstream) and reports every record that does not
 * parse: logged with where it was and why, counted in the {@code badStatusRecords} metric, and
 * skipped, so a bad record never fails the controller. The controller's own decision records are
 * skipped silently.
 */
public final class StatusRecords {

    /** Elements of the status stream: {@code (a name, JSON bytes)}. */
    public static final TypeInformation<Tuple2<String, byte[]>> TYPE =
            Types.TUPLE(Types.STRING, Types.PRIMITIVE_ARRAY(Types.BYTE));

    private StatusRecords() {}

    /** The source's deserializer: {@code (topic/partition@offset, value)}, tombstones dropped; never throws. */
    public static final class Deserializer implements KafkaRecordDeserializationSchema<Tuple2<String, byte[]>> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<String, byte[]>> out) {
            if (record.value() != null) {
                out.collect(Tuple2.of(record.topic() + "/" + record.partition() + "@" + record.offset(), record.value()));
            }
        }

        @Override
        public TypeInformation<Tuple2<String, byte[]>> getProducedType() {
            return TYPE;
        }
    }

    /** Keeps the heartbeats with health as {@code (model, value)}; reports and skips what does not parse. */
    public static final class Parse extends ProcessFunction<Tuple2<String, byte[]>, Tuple2<String, byte[]>> {
        private static final long serialVersionUID = 1L;
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Parse.class);

        private transient Counter bad;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            bad = getRuntimeContext().getMetricGroup().addGroup("edgeinfer").counter("badStatusRecords");
        }

        @Override
        public void processElement(Tuple2<String, byte[]> record, Context ctx, Collector<Tuple2<String, byte[]>> out) {
            Optional<ModelStatus> status;
            try {
                status = heartbeat(record.f1);
            } catch (RuntimeException e) {
                bad.inc();
                LOG.warn("skipped a bad status record at {}: {} (value starts {})", record.f0, e.getMessage(),
                        JsonFields.preview(record.f1));
                return;
            }
            status.ifPresent(s -> out.collect(Tuple2.of(s.model(), record.f1)));
        }
    }

    /**
     * The status report in {@code value} if it is a heartbeat with health; empty for every other
     * report and for decision records.
     *
     * @throws RuntimeException (an {@code InvalidReleaseException} naming the field and value) if it does not parse
     */
    public static Optional<ModelStatus> heartbeat(byte[] value) {
        if (RolloutDecisionJson.isDecision(value)) {
            return Optional.empty();
        }
        ModelStatus s = ModelStatusJson.fromJson(value);
        return s.state() == ModelStatus.State.HEARTBEAT && s.health() != null && s.version() != null
                ? Optional.of(s) : Optional.empty();
    }

    /**
     * The shadow agreement a heartbeat reports, read defensively: {@code health.shadowAgreement}
     * or {@code health.shadow.agreement}, a number in [0, 1]; {@code null} when absent (builds
     * without shadow activations) or not a number in range.
     */
    public static Double shadowAgreement(byte[] value) {
        try {
            JsonNode health = JsonFields.parseObject(value).path("health");
            JsonNode a = health.has("shadowAgreement") ? health.get("shadowAgreement") : health.path("shadow").path("agreement");
            if (a.isNumber() && a.asDouble() >= 0 && a.asDouble() <= 1) {
                return a.asDouble();
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
