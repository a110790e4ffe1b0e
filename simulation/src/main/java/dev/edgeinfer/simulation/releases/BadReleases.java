package dev.edgeinfer.simulation.releases;

import dev.edgeinfer.broadcast.fetch.BlobTopic;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.onnx.OnnxPieces;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.models.SensorModelFactory;
import dev.edgeinfer.simulation.models.SensorModelSpec;

import ai.onnx.proto.OnnxMl;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One of each bad thing that can arrive on the control topic, built from a good model: the demo
 * ({@code --bad-releases}) and the integration tests send them and check that each is rejected
 * with its reason while the current version keeps serving.
 *
 * <p>Each bad release is signed by the trusted key unless signing is what is wrong with it, so it
 * reaches the check it is meant to fail. Each has its own version label (versions are immutable
 * ids) and activates in the future: if one were wrongly accepted, results would carry its
 * version.
 */
public final class BadReleases {

    /**
     * A bad control record and the reason the job must give for it.
     *
     * @param kind what is wrong, for people
     * @param expectedReason the machine-readable reason on the status topic
     * @param id the release id (or, for a record that is not a release, its key)
     * @param release the release, or null for a record that is not a release at all
     * @param rawValue the record value for a non-release, or null
     */
    public record BadRelease(String kind, String expectedReason, String id, ModelRelease release, byte[] rawValue) {}

    private BadReleases() {}

    /**
     * Builds every kind. Files go under {@code modelsRoot} (the jobs' {@code model.files-root}).
     * The MISSING_CHUNK kind writes an incomplete blob to {@code blobsTopic} right away.
     */
    public static List<BadRelease> prepare(BuiltModel good, Path modelsRoot, KeyPair trusted, long activateAt,
            String bootstrapServers, String blobsTopic) throws IOException {
        String model = good.id().name();
        long now = System.currentTimeMillis();
        ModelRelease base = ReleaseFactory.fromFile(model, good.id().version(), good.file(), activateAt, 100, "bad-releases", now);
        Path dir = Files.createDirectories(modelsRoot.resolve("bad-releases-" + System.nanoTime()));
        List<BadRelease> out = new ArrayList<>();

        // The bytes do not hash to the sha256 the release names.
        byte[] otherSha = new byte[32];
        new Random(7).nextBytes(otherSha);
        out.add(signed("checksum mismatch", "CHECKSUM_MISMATCH",
                base.toBuilder().version("bad-checksum").sha256(HexFormat.of().formatHex(otherSha)).build(), trusted));

        // Not an ONNX model at all.
        Path garbage = dir.resolve("not-a-model.onnx");
        byte[] noise = new byte[4096];
        new Random(11).nextBytes(noise);
        Files.write(garbage, noise);
        // ONNX Runtime cannot describe noise: the release declares the good model's signature.
        out.add(signed("bytes that are not ONNX", "NOT_ONNX",
                base.toBuilder().version("bad-not-onnx").sha256(dev.edgeinfer.broadcast.release.Sha256.of(garbage))
                        .sizeBytes(noise.length).uri(garbage.toUri().toString()).build(), trusted));

        // A valid ONNX model for 3-channel windows: does not fit the job's features.
        BuiltModel narrow = SensorModelFactory.build(
                SensorModelSpec.v1().withGeometry(3, good.windowSize(), 4).withName(model), dir.resolve("narrow"));
        out.add(signed("model that does not fit the job's features", "SIGNATURE_MISMATCH",
                ReleaseFactory.fromFile(model, "bad-features", narrow.file(), activateAt, 100, "bad-releases", now), trusted));

        // The file is fine but the release declares another signature.
        ModelSignature lie = ModelSignature.declared(
                List.of(new TensorSpec(base.signature().inputs().get(0).name(), new long[] {-1, 31})),
                base.signature().outputs());
        out.add(signed("declared signature differs from the model's", "SIGNATURE_MISMATCH",
                base.toBuilder().version("bad-declared-signature").signature(lie).build(), trusted));

        // A model whose weights live in an external file outside the cache.
        Path external = dir.resolve("external-data.onnx");
        // Enough ".." to reach the root from any models root: ONNX Runtime must find the file to describe the model.
        Files.write(external, withExternalData(Files.readAllBytes(good.file()), "../".repeat(32) + "etc/passwd"));
        out.add(signed("model with external data files", "EXTERNAL_DATA",
                ReleaseFactory.fromFile(model, "bad-external-data", external, activateAt, 100, "bad-releases", now), trusted));

        // Declares more bytes than any site accepts.
        out.add(signed("oversize model", "TOO_LARGE",
                base.toBuilder().version("bad-oversize").sizeBytes(64L * 1024 * 1024 * 1024).build(), trusted));

        // The good model's bytes (which a site may well have cached) under a wrong declared size:
        // judged as a fetch judges it, whatever the cache holds.
        out.add(signed("wrong declared size for bytes a site may have cached", "TOO_LARGE",
                base.toBuilder().version("bad-size").sizeBytes(base.sizeBytes() - 1).build(), trusted));

        // Nobody configured this source.
        out.add(signed("unknown URI scheme", "UNKNOWN_SCHEME",
                base.toBuilder().version("bad-scheme").uri("gopher://models.invalid/sensor.onnx").build(), trusted));

        // A path escaping the models root.
        out.add(signed("file outside the models root", "OUTSIDE_MODELS_ROOT",
                base.toBuilder().version("bad-escape").uri(modelsRoot.toUri() + "../../../etc/hostname").build(), trusted));

        // Kafka blob delivery with a chunk missing.
        byte[] blob = incompleteBlobBytes(Files.readAllBytes(good.file()));
        String blobSha = publishIncompleteBlob(blob, bootstrapServers, blobsTopic);
        out.add(signed("Kafka blob with a missing chunk", "MISSING_CHUNK",
                base.toBuilder().version("bad-missing-chunk").sha256(blobSha).sizeBytes(blob.length)
                        .uri(BlobTopic.uri(blobsTopic, blobSha)).build(),
                trusted));

        // Signing problems.
        out.add(unsigned("unsigned release", "UNSIGNED", base.toBuilder().version("bad-unsigned").unsigned().build()));
        ModelRelease forged = ReleaseSigning.sign(base.toBuilder().version("bad-forged").build(), trusted);
        out.add(unsigned("release altered after signing", "BAD_SIGNATURE",
                forged.toBuilder().uri(forged.uri() + "#altered").build()));
        KeyPair stranger = ReleaseSigning.generateKeyPair();
        out.add(unsigned("release signed by an unknown key", "UNKNOWN_KEY",
                ReleaseSigning.sign(base.toBuilder().version("bad-unknown-key").build(), stranger)));

        // A model this job does not serve.
        out.add(signed("release for a model this job does not serve", "NOT_SERVED",
                base.toBuilder().model("some-other-model").version("v1").build(), trusted));

        // Well-formed, fits the job, passes every check, but its warm-up needs gigabytes for one
        // intermediate tensor; due in an hour, it must not hold back releases due sooner.
        Path expensive = dir.resolve("expensive.onnx");
        Files.write(expensive, withExpensiveBranch(Files.readAllBytes(good.file()), EXPENSIVE_TENSOR_BYTES));
        out.add(signed("model whose warm-up needs gigabytes", "RESOURCE_LIMIT", ReleaseFactory.fromFile(model,
                "bad-expensive", expensive, activateAt + 3_600_000L, 100, "bad-releases", now), trusted));

        // Not a release at all.
        String key = model + "@garbage";
        out.add(new BadRelease("control record that is not JSON", "MALFORMED_JSON", key, null,
                "{\"schema\":1,\"type\":\"release\",\"model\":".getBytes(StandardCharsets.UTF_8)));
        // Records nobody can attribute: keys that are not release ids, no model in the value.
        out.add(new BadRelease("truncated control record keyed by no release id", "MALFORMED_JSON",
                "not-a-release-id-" + now, null, "{\"schema\":1,\"ty".getBytes(StandardCharsets.UTF_8)));
        out.add(new BadRelease("control record of an unknown schema keyed by no release id", "UNSUPPORTED_SCHEMA",
                "unknown-schema-" + now, null,
                "{\"schema\":99,\"type\":\"release\",\"payload\":\"from the future\"}".getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /** What the expensive model's intermediate tensor needs at a batch of one: 4 GiB. */
    static final long EXPENSIVE_TENSOR_BYTES = 4L << 30;

    /**
     * The same model with a detour that changes no output: its input is broadcast into a tensor of
     * {@code tensorBytes} (per record) and the first copy taken back ({@code Expand}, {@code Gather}).
     */
    static byte[] withExpensiveBranch(byte[] onnx, long tensorBytes) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(onnx);
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        String input = graph.getInput(0).getName();
        long width = graph.getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue();
        long copies = tensorBytes / (Float.BYTES * width);
        String detour = input + "_detour";
        for (int i = 0; i < graph.getNodeCount(); i++) {
            OnnxMl.NodeProto.Builder node = graph.getNode(i).toBuilder();
            for (int j = 0; j < node.getInputCount(); j++) {
                if (node.getInput(j).equals(input)) {
                    node.setInput(j, detour);
                }
            }
            graph.setNode(i, node);
        }
        graph.addInitializer(OnnxPieces.int64Tensor("expensive_shape", new long[] {3}, new long[] {copies, 1, 1}));
        graph.addInitializer(OnnxPieces.int64Tensor("expensive_first", new long[] {}, new long[] {0}));
        graph.addNode(0, OnnxPieces.node("Gather", "expensive_take_first", List.of("expensive_copies", "expensive_first"),
                List.of(detour), OnnxPieces.intAttribute("axis", 0)));
        graph.addNode(0, OnnxPieces.node("Expand", "expensive_broadcast", List.of(input, "expensive_shape"),
                List.of("expensive_copies")));
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    private static BadRelease signed(String kind, String reason, ModelRelease release, KeyPair key) {
        ModelRelease signed = ReleaseSigning.sign(release.toBuilder().unsigned().build(), key);
        return new BadRelease(kind, reason, signed.releaseId(), signed, null);
    }

    private static BadRelease unsigned(String kind, String reason, ModelRelease release) {
        return new BadRelease(kind, reason, release.releaseId(), release, null);
    }

    /** Marks the first initializer as stored in an external file (ONNX's external-data format). */
    static byte[] withExternalData(byte[] onnx, String location) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(onnx);
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        OnnxMl.TensorProto first = graph.getInitializer(0);
        long length = first.getRawData().size() + 4L * first.getFloatDataCount();
        graph.setInitializer(0, first.toBuilder()
                .clearRawData()
                .clearFloatData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue(String.valueOf(length)))
                .build());
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    /**
     * Writes chunks 0 and 2 of a 3-chunk blob (chunk 1 never arrives). The blob's bytes are the
     * model followed by a marker, so its sha256 is its own and no complete copy exists anywhere.
     */
    private static byte[] incompleteBlobBytes(byte[] model) {
        byte[] marker = ("incomplete-blob-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(model, model.length + marker.length);
        System.arraycopy(marker, 0, bytes, model.length, marker.length);
        return bytes;
    }

    private static String publishIncompleteBlob(byte[] bytes, String bootstrap, String topic) throws IOException {
        String sha = dev.edgeinfer.broadcast.release.Sha256.of(bytes);
        int chunkSize = (bytes.length + 2) / 3;
        // Kafka's own 5 ms linger: the chunks go out together.
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(
                bootstrap, "edgeinfer-bad-releases", Map.of(ProducerConfig.LINGER_MS_CONFIG, "5"))) {
            int partitions = producer.partitionsFor(topic).size();
            int partition = BlobTopic.partitionFor(sha, partitions);
            for (int chunk : new int[] {0, 2}) {
                int from = chunk * chunkSize;
                byte[] value = Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunkSize));
                RecordHeaders headers = new RecordHeaders();
                headers.add(BlobTopic.HEADER_CHUNKS, "3".getBytes(StandardCharsets.UTF_8));
                headers.add(BlobTopic.HEADER_SIZE, String.valueOf(bytes.length).getBytes(StandardCharsets.UTF_8));
                headers.add(BlobTopic.HEADER_CHUNK_SIZE, String.valueOf(chunkSize).getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, partition,
                        BlobTopic.chunkKey(sha, chunk).getBytes(StandardCharsets.UTF_8), value, headers)).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing blob chunks", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("could not write blob chunks to " + topic + ": " + e.getCause(), e);
        }
        return sha;
    }
}
