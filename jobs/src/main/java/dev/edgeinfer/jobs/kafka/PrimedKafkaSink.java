package dev.edgeinfer.jobs.kafka;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Flink's {@link KafkaSink}, whose writers fetch their topic's metadata (partitions and their
 * leaders, and the connection to the broker that serves them) on the writer's own producer when
 * they open, before the task takes a record. Everything else is the wrapped sink's: delivery
 * guarantee, transactions, committer, state and lineage.
 *
 * <pre>{@code
 * results.sinkTo(PrimedKafkaSink.of(JobKafka.sink(config, serializer, "results"), config.resultsTopic(),
 *         config.warmupMaxTime())).uid("kafka-sink-results");
 * }</pre>
 *
 * <p>Why: a Kafka producer learns a topic's partitions on its first send, which blocks the task
 * thread meanwhile; measured on the demo, the first results of every subtask waited 20-30 ms for
 * it, on top of everything else that is cold in a job's first second.
 *
 * <p><b>Guarantees and caveats.</b> Priming reads metadata only: nothing is written and no
 * transaction is touched. It waits at most {@code maxTime} (a broker that answers slower leaves
 * the first send to fetch the metadata, as without priming; logged). The sink's
 * writer keeps its producer in a protected field and offers no hook to reach it (its serializer
 * opens before the producer exists), so the producer is read from that field; if a connector
 * upgrade renames it, every writer fails to open with an {@link IllegalStateException} that says
 * so, and {@code PrimedKafkaSinkITCase} fails first.
 *
 * @param <IN> what is written
 */
public final class PrimedKafkaSink<IN>
        implements TwoPhaseCommittingStatefulSink<IN, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable>,
                LineageVertexProvider {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PrimedKafkaSink.class);
    /** Where flink-connector-kafka's KafkaWriter keeps its producer. */
    static final String PRODUCER_FIELD = "currentProducer";

    private final KafkaSink<IN> delegate;
    private final String topic;
    private final Duration maxTime;

    PrimedKafkaSink(KafkaSink<IN> delegate, String topic, Duration maxTime) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.maxTime = Objects.requireNonNull(maxTime, "maxTime");
        if (maxTime.isNegative()) {
            throw new IllegalArgumentException("maxTime must not be negative, got " + maxTime);
        }
    }

    /** {@code delegate}, whose writers fetch {@code topic}'s metadata for at most {@code maxTime} when they open (0: not at all). */
    public static <IN> PrimedKafkaSink<IN> of(KafkaSink<IN> delegate, String topic, Duration maxTime) {
        return new PrimedKafkaSink<>(delegate, topic, maxTime);
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> createWriter(WriterInitContext context)
            throws IOException {
        return primed(delegate.createWriter(context));
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> restoreWriter(WriterInitContext context,
            Collection<KafkaWriterState> recoveredState) throws IOException {
        return primed(delegate.restoreWriter(context, recoveredState));
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return delegate.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) throws IOException {
        return delegate.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return delegate.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        delegate.addPostCommitTopology(committables);
    }

    @Override
    public LineageVertex getLineageVertex() {
        return delegate.getLineageVertex();
    }

    private <W> W primed(W writer) {
        if (maxTime.isZero()) {
            return writer;
        }
        Producer<?, ?> producer = producerOf(writer);
        long started = System.nanoTime();
        // partitionsFor blocks for up to the producer's max.block.ms; priming waits maxTime at most.
        CompletableFuture<List<PartitionInfo>> partitions = CompletableFuture.supplyAsync(() -> producer.partitionsFor(topic));
        try {
            List<PartitionInfo> found = partitions.get(maxTime.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("sink writer for {} primed: {} partitions known in {} ms", topic, found.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (TimeoutException e) {
            LOG.warn("sink writer for {}: no metadata within {} ms; its first send will fetch it", topic, maxTime.toMillis());
        } catch (ExecutionException e) {
            // Kafka's own errors (unknown topic, authorization) surface again, typed, on the first send.
            LOG.warn("sink writer for {}: fetching metadata failed ({}); its first send will fetch it again", topic,
                    e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return writer;
    }

    /** The producer a KafkaSink writer sends with. */
    static Producer<?, ?> producerOf(Object writer) {
        for (Class<?> c = writer.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(PRODUCER_FIELD);
                field.setAccessible(true);
                Object producer = field.get(writer);
                if (producer instanceof Producer<?, ?> p) {
                    return p;
                }
                throw new IllegalStateException(writer.getClass().getName() + "." + PRODUCER_FIELD + " holds "
                        + (producer == null ? "null" : producer.getClass().getName()) + ", not a Kafka producer");
            } catch (NoSuchFieldException e) {
                // declared further up, if at all
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + c.getName() + "." + PRODUCER_FIELD, e);
            }
        }
        throw new IllegalStateException(writer.getClass().getName() + " has no field " + PRODUCER_FIELD
                + ": flink-connector-kafka changed how its writer keeps its producer; update PrimedKafkaSink");
    }
}
