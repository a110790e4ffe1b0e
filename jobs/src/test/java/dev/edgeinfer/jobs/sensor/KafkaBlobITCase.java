package dev.edgeinfer.jobs.sensor;

import static dev.edgeinfer.testutils.KafkaTestUtils.produceAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.BlobPublisher;
import dev.edgeinfer.broadcast.fetch.BlobTopic;
import dev.edgeinfer.broadcast.fetch.KafkaBlobFetcher;
import dev.edgeinfer.broadcast.fetch.ModelFetchException;
import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.fetch.ModelStore;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.testutils.EdgeInferCluster;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/** Model bytes through the blob topic of a real broker: publish in chunks, reassemble, verify. */
class KafkaBlobITCase {

    @RegisterExtension
    static final EdgeInferCluster CLUSTER = EdgeInferCluster.builder().build();

    private static final int CHUNK = 64 * 1024;
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private static byte[] randomModel(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static ModelRelease release(byte[] bytes, String uri) {
        return ModelRelease.builder()
                .model("blob-model").version("v1").sha256(Sha256.of(bytes)).uri(uri).sizeBytes(bytes.length)
                .signature(ModelSignature.declared(List.of(TensorSpec.of("x", -1, 4)), List.of(TensorSpec.of("y", -1, 1))))
                .activateAt(0).publisher("it").publishedAt(0)
                .build();
    }

    private KafkaBlobFetcher fetcher(String topic) {
        return new KafkaBlobFetcher(CLUSTER.bootstrapServers(), topic, dir.resolve("downloads"), 64L << 20, Duration.ofSeconds(60));
    }

    private static List<ProducerRecord<byte[], byte[]>> chunkRecords(String topic, byte[] bytes, int chunkSize) {
        String sha = Sha256.of(bytes);
        int chunks = (bytes.length + chunkSize - 1) / chunkSize;
        int partition = BlobTopic.partitionFor(sha, PARTITIONS);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int n = 0; n < chunks; n++) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(BlobTopic.HEADER_CHUNKS, Integer.toString(chunks).getBytes(StandardCharsets.US_ASCII));
            headers.add(BlobTopic.HEADER_SIZE, Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
            headers.add(BlobTopic.HEADER_CHUNK_SIZE, Integer.toString(chunkSize).getBytes(StandardCharsets.US_ASCII));
            out.add(new ProducerRecord<>(topic, partition, null, BlobTopic.chunkKey(sha, n).getBytes(StandardCharsets.UTF_8),
                    Arrays.copyOfRange(bytes, n * chunkSize, Math.min(bytes.length, (n + 1) * chunkSize)), headers));
        }
        return out;
    }

    @Test
    void multiChunkBlobRoundTripsByteIdenticalWithProgress() throws Exception {
        String topic = CLUSTER.compactedTopic("edge.models.blobs", PARTITIONS);
        byte[] model = randomModel(5 * CHUNK + 123, 1);
        byte[] other = randomModel(2 * CHUNK + 7, 2);   // another blob, possibly on the same partition
        Path file = Files.write(dir.resolve("model.onnx"), model);
        List<long[]> progress = new CopyOnWriteArrayList<>();
        BlobPublisher.Publication publication;
        try (BlobPublisher publisher = new BlobPublisher(CLUSTER.bootstrapServers(), topic, CHUNK, Map.of())) {
            publisher.publish(Files.write(dir.resolve("other.onnx"), other));
            publication = publisher.publish(file, (bytes, total, chunks, totalChunks) ->
                    progress.add(new long[] {bytes, total, chunks, totalChunks}));
        }
        assertThat(publication.sha256()).isEqualTo(Sha256.of(model));
        assertThat(publication.chunks()).isEqualTo(6);
        assertThat(publication.partition()).isEqualTo(BlobTopic.partitionFor(publication.sha256(), PARTITIONS));
        assertThat(progress).hasSize(6);
        assertThat(progress.get(5)).containsExactly(model.length, model.length, 6, 6);

        ModelRelease release = release(model, publication.uri());
        Path fetched = fetcher("unused-default").fetch(release);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(model);

        // Through the store, with the short URI form and the fetcher's default topic.
        ModelStore store = ModelStore.open(dir.resolve("cache"), 64L << 20, 2);
        Path cached = store.materialize(release.toBuilder().uri("kafka-blob:" + publication.sha256()).build(), fetcher(topic));
        assertThat(Files.readAllBytes(cached)).isEqualTo(model);
    }

    @Test
    void missingChunkIsReportedAsMissingChunk() throws Exception {
        String topic = CLUSTER.topic("edge.models.blobs", PARTITIONS);
        byte[] model = randomModel(4 * CHUNK, 3);
        List<ProducerRecord<byte[], byte[]>> records = chunkRecords(topic, model, CHUNK);
        records.remove(2);
        produceAll(CLUSTER.bootstrapServers(), records);

        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher(topic).fetch(release(model, "kafka-blob:" + Sha256.of(model))));
        assertThat(e.reason()).isEqualTo(Reason.MISSING_CHUNK);
        assertThat(e.getMessage()).contains("chunk 2 of 4");
        try (var files = Files.list(dir.resolve("downloads"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void corruptedChunkIsRejectedByTheStoresChecksum() throws Exception {
        String topic = CLUSTER.topic("edge.models.blobs", PARTITIONS);
        byte[] model = randomModel(3 * CHUNK + 1, 4);
        List<ProducerRecord<byte[], byte[]>> records = chunkRecords(topic, model, CHUNK);
        ProducerRecord<byte[], byte[]> original = records.get(1);
        byte[] corrupted = original.value().clone();
        corrupted[100] ^= 0x40;
        records.set(1, new ProducerRecord<>(topic, original.partition(), null, original.key(), corrupted, original.headers()));
        produceAll(CLUSTER.bootstrapServers(), records);

        Path cacheDir = dir.resolve("cache-corrupt");
        ModelStore store = ModelStore.open(cacheDir, 64L << 20, 2);
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> store.materialize(release(model, BlobTopic.uri(topic, Sha256.of(model))), fetcher(topic)));
        assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(store.cached()).isEmpty();
        try (var files = Files.list(cacheDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void unknownBlobIsNotFound() throws Exception {
        String topic = CLUSTER.topic("edge.models.blobs", PARTITIONS);
        byte[] model = randomModel(1000, 5);
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher(topic).fetch(release(model, "kafka-blob:" + Sha256.of(model))));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e.retriable()).isTrue();
    }
}
