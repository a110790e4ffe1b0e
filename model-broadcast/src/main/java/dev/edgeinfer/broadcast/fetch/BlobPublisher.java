package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.Sha256;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes a model file to the blob topic in chunks (layout: {@link BlobTopic}), so that sites
 * which reach only Kafka can fetch it with {@link KafkaBlobFetcher}.
 *
 * <pre>{@code
 * try (BlobPublisher publisher = new BlobPublisher("kafka:9092", BlobTopic.DEFAULT_TOPIC)) {
 *     BlobPublisher.Publication p = publisher.publish(Path.of("sensor-v2.onnx"),
 *             (bytes, total, chunks, totalChunks) -> bar.update(bytes, total));
 *     ModelRelease r = release.toBuilder().uri(p.uri()).sha256(p.sha256()).sizeBytes(p.sizeBytes()).build();
 *     // then publish r on the control topic
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #publish} returns only after every chunk is acknowledged
 * by all in-sync replicas (acks=all, idempotent producer, so retries do not duplicate chunks);
 * publish the release on the control topic only after that. All chunks go to the one partition
 * {@link BlobTopic#partitionFor} picks. The sha256 is computed from the file (read twice: hash,
 * then send), so the file must not change during publishing — if it does, fetchers' sha256 check
 * rejects the blob. Memory is bounded by the producer's {@code buffer.memory} (sends block when it
 * is full). The topic is not created here. The progress listener is called from the Kafka
 * producer's I/O thread, once per acknowledged chunk, in order; keep it quick. Not thread-safe:
 * one publish at a time per instance.
 */
public final class BlobPublisher implements AutoCloseable {

    /** Progress of one publish, in acknowledged chunks. */
    @FunctionalInterface
    public interface ProgressListener {
        void progress(long bytesAcked, long totalBytes, int chunksAcked, int totalChunks);
    }

    /**
     * What was published.
     *
     * @param uri {@code kafka-blob://<topic>/<sha256>}, ready for the release
     */
    public record Publication(String sha256, long sizeBytes, String topic, int partition, int chunks, String uri) {}

    private final String topic;
    private final int chunkSize;
    private final KafkaProducer<byte[], byte[]> producer;

    /** 256 KiB chunks, default producer settings. */
    public BlobPublisher(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, BlobTopic.DEFAULT_CHUNK_SIZE, Map.of());
    }

    /**
     * @param chunkSize bytes per chunk; must stay below the topic's {@code max.message.bytes}
     * @param producerProperties extra producer settings (security...), overriding the defaults
     */
    public BlobPublisher(String bootstrapServers, String topic, int chunkSize, Map<String, String> producerProperties) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be > 0, got " + chunkSize);
        }
        this.topic = topic;
        this.chunkSize = chunkSize;
        Map<String, String> props = new HashMap<>();
        // Chunks are many and sent together: a short linger batches them.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Room for one chunk plus key and headers per request.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(1 << 20, chunkSize + (64 << 10))));
        // One request in flight: a blob topic is often new, and a broker that has not yet taken a new
        // partition on answers NOT_LEADER_OR_FOLLOWER to the first chunk while a later one lands;
        // the idempotent producer then retries the first until it expires (KAFKA-15591).
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.putAll(producerProperties);
        this.producer = KafkaClients.producer(bootstrapServers, "edgeinfer-blob-publisher", props);
    }

    /** Publishes without progress reports. */
    public Publication publish(Path file) throws IOException {
        return publish(file, (b, t, c, n) -> { });
    }

    /**
     * Publishes the file and waits for every acknowledgement.
     *
     * @throws IOException if the file cannot be read, is empty or too large, or Kafka refuses a chunk
     */
    public Publication publish(Path file, ProgressListener listener) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            throw new IOException(file + " is empty; a release needs sizeBytes > 0");
        }
        long chunkCount = (size + chunkSize - 1) / chunkSize;
        if (chunkCount > BlobTopic.MAX_CHUNKS) {
            throw new IOException(file + " needs " + chunkCount + " chunks, more than " + BlobTopic.MAX_CHUNKS);
        }
        int chunks = (int) chunkCount;
        String sha256 = Sha256.of(file);
        int partition;
        try {
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            partition = BlobTopic.partitionFor(sha256, partitions.size());
        } catch (KafkaException e) {
            throw new IOException("cannot read the partitions of " + topic + ": " + e.getMessage(), e);
        }

        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong bytesAcked = new AtomicLong();
        AtomicInteger chunksAcked = new AtomicInteger();
        byte[] headerChunks = Integer.toString(chunks).getBytes(StandardCharsets.US_ASCII);
        byte[] headerSize = Long.toString(size).getBytes(StandardCharsets.US_ASCII);
        byte[] headerChunkSize = Integer.toString(chunkSize).getBytes(StandardCharsets.US_ASCII);
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = 0; n < chunks && failure.get() == null; n++) {
                int length = (int) Math.min(chunkSize, size - (long) n * chunkSize);
                byte[] value = in.readNBytes(length);
                if (value.length != length) {
                    throw new IOException(file + " shrank while publishing (chunk " + n + ")");
                }
                RecordHeaders headers = new RecordHeaders();
                headers.add(BlobTopic.HEADER_CHUNKS, headerChunks);
                headers.add(BlobTopic.HEADER_SIZE, headerSize);
                headers.add(BlobTopic.HEADER_CHUNK_SIZE, headerChunkSize);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, null,
                        BlobTopic.chunkKey(sha256, n).getBytes(StandardCharsets.UTF_8), value, headers);
                producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        listener.progress(bytesAcked.addAndGet(length), size, chunksAcked.incrementAndGet(), chunks);
                    }
                });
            }
        } catch (KafkaException e) {
            failure.compareAndSet(null, e);
        } finally {
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IOException("publishing " + file + " to " + topic + " failed: " + failure.get().getMessage(), failure.get());
        }
        return new Publication(sha256, size, topic, partition, chunks, BlobTopic.uri(topic, sha256));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
