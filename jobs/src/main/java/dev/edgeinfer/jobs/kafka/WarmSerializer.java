package dev.edgeinfer.jobs.kafka;

import dev.edgeinfer.operators.Warmup;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.Objects;

/**
 * A sink's serializer that starts warm: when the sink's writer opens, before the task takes a
 * record, it serializes a synthetic element through the real serializer until the JIT has
 * compiled it, bounded by {@code warmup.max-time}. The records it builds are discarded: nothing
 * warmed is sent. (The topic's metadata is the sink's to fetch, on the producer that sends:
 * {@link PrimedKafkaSink}.)
 *
 * <pre>{@code
 * PrimedKafkaSink<SensorResult> sink = JobKafka.primedSink(config,
 *     WarmSerializer.of(JsonRecordSerializer.of(topic, SensorResult::deviceId, SensorResultJson::toJson),
 *         topic, () -> SAMPLE_RESULT, config.warmupMaxTime()), "results", topic);
 * }</pre>
 *
 * @param <T> what is written
 */
public final class WarmSerializer<T> implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final KafkaRecordSerializationSchema<T> delegate;
    private final String topic;
    private final SerializableSupplier<T> sample;
    private final Duration maxTime;

    private WarmSerializer(KafkaRecordSerializationSchema<T> delegate, String topic, SerializableSupplier<T> sample,
            Duration maxTime) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.sample = Objects.requireNonNull(sample, "sample");
        this.maxTime = Objects.requireNonNull(maxTime, "maxTime");
    }

    /** {@code delegate}, warmed on {@code sample()} for at most {@code maxTime} when it opens (0: not at all). */
    public static <T> WarmSerializer<T> of(KafkaRecordSerializationSchema<T> delegate, String topic,
            SerializableSupplier<T> sample, Duration maxTime) {
        return new WarmSerializer<>(delegate, topic, sample, maxTime);
    }

    /** The topic this serializer writes to. */
    public String topic() {
        return topic;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) throws Exception {
        delegate.open(context, sinkContext);
        if (maxTime.isZero()) {
            return;
        }
        T element = sample.get();
        Warmup.run("serializer for " + topic, maxTime, Warmup.CHEAP_ITERATIONS,
                        i -> delegate.serialize(element, sinkContext, 0L))
                .register(context.getMetricGroup());
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        return delegate.serialize(element, context, timestamp);
    }
}
