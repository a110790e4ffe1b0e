package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fetches {@code kafka-blob:} URIs: reassembles a model from its chunks on the blob topic (see
 * {@link BlobTopic} for the layout), for sites that reach Kafka but no file share or HTTP server.
 *
 * <pre>{@code
 * ModelFetcher blobs = new KafkaBlobFetcher("kafka:9092", BlobTopic.DEFAULT_TOPIC,
 *         Path.of("/var/cache/edgeinfer/downloads"), 512L << 20, Duration.ofMinutes(2))
 *         .withClientProperties(Map.of("security.protocol", "SSL"));
 * // release.uri() = "kafka-blob:<sha256>" or "kafka-blob://edge.models.blobs/<sha256>"
 * Path model = ModelStore.open(cacheDir, 512L << 20, 4).materialize(release, blobs);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Reads the blob's one partition from the beginning to the end
 * offset seen at the start ({@code read_committed}, no consumer group, nothing committed), keeping
 * only the wanted sha256's chunks and writing each at its position in a temp file (memory: one
 * chunk). The latest upload wins (see {@link BlobTopic}); identical duplicate chunks are ignored.
 * Outcomes: no chunk at all {@link Reason#NOT_FOUND}; a gap {@link Reason#MISSING_CHUNK} naming the
 * first missing chunk; a short chunk {@link Reason#TRUNCATED} naming it; contradictory chunks
 * {@link Reason#INCONSISTENT_CHUNKS}; more than {@code min(maxBytes, release.sizeBytes())}
 * {@link Reason#TOO_LARGE}; total size differing from the release {@link Reason#SIZE_MISMATCH};
 * not done within the timeout {@link Reason#TIMEOUT}. The URI's sha256 must be the release's
 * ({@link Reason#INVALID_URI} otherwise). The content's sha256 is <em>not</em> checked here:
 * {@link ModelStore} does it (so a corrupted chunk surfaces as {@code CHECKSUM_MISMATCH}). Every
 * fetch re-reads the partition, so its cost grows with what the partition holds: use enough
 * partitions, and compaction or retention to drop old blobs.
 */
public final class KafkaBlobFetcher extends DownloadingFetcher<String> {

    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final String defaultTopic;
    private final long timeoutMs;
    private final HashMap<String, String> clientProperties;

    /**
     * @param bootstrapServers Kafka bootstrap servers
     * @param defaultTopic the topic for {@code kafka-blob:<sha256>} URIs (usually {@link BlobTopic#DEFAULT_TOPIC})
     * @param downloadDirectory where {@link #fetch} assembles blobs
     * @param maxBytes the most bytes any blob may have
     * @param timeout deadline for one whole fetch (metadata, reading, assembling)
     */
    public KafkaBlobFetcher(String bootstrapServers, String defaultTopic, Path downloadDirectory, long maxBytes, Duration timeout) {
        this(bootstrapServers, defaultTopic, downloadDirectory.toAbsolutePath().normalize().toString(), maxBytes,
                timeout.toMillis(), new HashMap<>());
    }

    private KafkaBlobFetcher(String bootstrapServers, String defaultTopic, String downloadDirectory, long maxBytes,
            long timeoutMs, HashMap<String, String> clientProperties) {
        super(downloadDirectory, maxBytes);
        if (maxBytes <= 0 || timeoutMs <= 0) {
            throw new IllegalArgumentException("maxBytes and timeout must be positive");
        }
        this.bootstrapServers = bootstrapServers;
        this.defaultTopic = defaultTopic;
        this.timeoutMs = timeoutMs;
        this.clientProperties = clientProperties;
    }

    /** A copy with extra Kafka consumer properties (security, client id...); they override the defaults. */
    public KafkaBlobFetcher withClientProperties(Map<String, String> properties) {
        HashMap<String, String> merged = new HashMap<>(clientProperties);
        merged.putAll(properties);
        return new KafkaBlobFetcher(bootstrapServers, defaultTopic, downloadDirectory, maxBytes, timeoutMs, merged);
    }

    @Override
    String source(ModelRelease release) throws ModelFetchException {
        return topicOf(release);
    }

    @Override
    Path download(ModelRelease release, String topic, Path directory, long limit) throws ModelFetchException {
        String uri = release.uri();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);

        Path temp = FetchSupport.newTempFile(release, directory);
        boolean ok = false;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE);
                KafkaConsumer<byte[], byte[]> consumer = KafkaClients.reader(
                        bootstrapServers, "edgeinfer-blob-fetcher", true, consumerOverrides())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, remaining(deadline));
            if (partitions == null || partitions.isEmpty()) {
                throw new ModelFetchException(Reason.NOT_FOUND, uri, "topic " + topic + " does not exist", null);
            }
            TopicPartition tp = new TopicPartition(topic, BlobTopic.partitionFor(release.sha256(), partitions.size()));
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), remaining(deadline)).get(tp);

            BlobAssembler assembler = new BlobAssembler(release, out, limit);
            String prefix = release.sha256() + "/";
            while (consumer.position(tp, remaining(deadline)) < end) {
                if (System.nanoTime() >= deadline) {
                    throw new ModelFetchException(Reason.TIMEOUT, uri, "partition " + tp + " not read to offset "
                            + end + " within " + timeoutMs + " ms", null);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(Math.min(200, timeoutMs)))) {
                    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(prefix) || record.offset() >= end) {
                        continue;
                    }
                    assembler.accept(chunkNo(key.substring(prefix.length())),
                            header(record, BlobTopic.HEADER_CHUNKS), header(record, BlobTopic.HEADER_SIZE),
                            header(record, BlobTopic.HEADER_CHUNK_SIZE), record.value());
                }
            }
            assembler.finish();
            out.force(false);
            ok = true;
            return temp;
        } catch (TimeoutException e) {
            throw new ModelFetchException(Reason.TIMEOUT, uri, "Kafka did not answer within " + timeoutMs + " ms: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new ModelFetchException(Reason.IO_ERROR, uri, "Kafka error: " + e, e);
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, uri, "cannot write " + temp + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                FetchSupport.deleteQuietly(temp);
            }
        }
    }

    /** The topic a release's {@code kafka-blob:} URI names (or the default topic). */
    String topicOf(ModelRelease release) throws ModelFetchException {
        String uri = release.uri();
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new ModelFetchException(Reason.INVALID_URI, uri, e.getMessage(), e);
        }
        if (parsed.getScheme() == null || !BlobTopic.SCHEME.equals(parsed.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ModelFetchException(Reason.UNKNOWN_SCHEME, uri,
                    "KafkaBlobFetcher serves " + BlobTopic.SCHEME + ": URIs only, got '" + parsed.getScheme() + "'", null);
        }
        String topic;
        String sha;
        if (parsed.isOpaque()) {                       // kafka-blob:<sha256>
            topic = defaultTopic;
            sha = parsed.getSchemeSpecificPart();
        } else {                                       // kafka-blob://<topic>/<sha256>
            topic = parsed.getRawAuthority();
            String path = parsed.getPath();
            sha = path != null && path.startsWith("/") ? path.substring(1) : path;
            if (topic == null || topic.isEmpty()) {
                throw new ModelFetchException(Reason.INVALID_URI, uri, "expected kafka-blob://<topic>/<sha256>", null);
            }
        }
        if (!release.sha256().equals(sha)) {
            throw new ModelFetchException(Reason.INVALID_URI, uri,
                    "the URI names blob " + sha + " but the release's sha256 is " + release.sha256(), null);
        }
        return topic;
    }

    /** Read committed (an aborted publish must never be assembled), plus these, then the user's properties. */
    private Map<String, Object> consumerOverrides() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1000, timeoutMs)));
        props.putAll(clientProperties);
        return props;
    }

    private static int chunkNo(String suffix) {
        // Exactly 8 ASCII digits: "+0000001" or other spellings are not this blob's chunk keys.
        return suffix.matches("[0-9]{8}") ? Integer.parseInt(suffix) : -1;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.US_ASCII);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    @Override
    public String toString() {
        return "KafkaBlobFetcher[" + bootstrapServers + ", topic " + defaultTopic + ", max " + maxBytes + " B]";
    }
}
