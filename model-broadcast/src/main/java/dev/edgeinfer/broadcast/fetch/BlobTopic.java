package dev.edgeinfer.broadcast.fetch;

import java.util.regex.Pattern;

/**
 * The layout of the model blob topic ({@code edge.models.blobs}), shared by {@link BlobPublisher}
 * and {@link KafkaBlobFetcher}.
 *
 * <pre>
 * key     = sha256 + "/" + chunk number, 8 digits zero-padded   e.g. 3f2a...9c/00000003
 * value   = the chunk's bytes (every chunk chunkSize bytes, the last one the rest)
 * headers = edgeinfer.blob.chunks     chunk count            (decimal ASCII)
 *           edgeinfer.blob.size       total size in bytes    (decimal ASCII)
 *           edgeinfer.blob.chunk-size chunk size in bytes    (decimal ASCII)
 * partition = unsigned(first 8 hex of sha256) mod partition count — all chunks of a blob on one
 *             partition, so a reader reads exactly one partition
 * URI     = kafka-blob:&lt;sha256&gt; (the fetcher's configured topic) or kafka-blob://&lt;topic&gt;/&lt;sha256&gt;
 * </pre>
 *
 * <pre>{@code
 * String key = BlobTopic.chunkKey(sha, 3);                 // "<sha>/00000003"
 * int partition = BlobTopic.partitionFor(sha, 6);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> The partition depends on the partition count: never add
 * partitions to a blob topic that holds blobs still in use (republish them afterwards if you must).
 * Recommended topic config: {@code cleanup.policy=compact} (a republish of the same blob replaces
 * its chunks key by key; readers take the latest upload) and {@code max.message.bytes} above the
 * chunk size (the 1 MiB default fits 256 KiB chunks). Fixed-width chunk numbers keep keys sortable.
 */
public final class BlobTopic {

    /** Default topic name. */
    public static final String DEFAULT_TOPIC = "edge.models.blobs";
    /** Default chunk size: 256 KiB, well under Kafka's default 1 MiB message limit. */
    public static final int DEFAULT_CHUNK_SIZE = 256 * 1024;
    /** URI scheme of blobs on the topic. */
    public static final String SCHEME = "kafka-blob";

    public static final String HEADER_CHUNKS = "edgeinfer.blob.chunks";
    public static final String HEADER_SIZE = "edgeinfer.blob.size";
    public static final String HEADER_CHUNK_SIZE = "edgeinfer.blob.chunk-size";

    /** Chunk numbers have 8 digits: up to 10^8 chunks (25 TB at 256 KiB). */
    public static final int MAX_CHUNKS = 100_000_000;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private BlobTopic() {}

    /** {@code <sha256>/<chunkNo as 8 digits>}. */
    public static String chunkKey(String sha256, int chunkNo) {
        requireSha(sha256);
        if (chunkNo < 0 || chunkNo >= MAX_CHUNKS) {
            throw new IllegalArgumentException("chunk number out of range: " + chunkNo);
        }
        return sha256 + "/" + String.format("%08d", chunkNo);
    }

    /** The partition every chunk of the blob goes to. */
    public static int partitionFor(String sha256, int partitionCount) {
        requireSha(sha256);
        if (partitionCount <= 0) {
            throw new IllegalArgumentException("partition count must be > 0, got " + partitionCount);
        }
        return Integer.remainderUnsigned(Integer.parseUnsignedInt(sha256.substring(0, 8), 16), partitionCount);
    }

    /** {@code kafka-blob://<topic>/<sha256>}. */
    public static String uri(String topic, String sha256) {
        requireSha(sha256);
        return SCHEME + "://" + topic + "/" + sha256;
    }

    static boolean isSha256(String s) {
        return s != null && SHA256_HEX.matcher(s).matches();
    }

    private static void requireSha(String sha256) {
        if (!isSha256(sha256)) {
            throw new IllegalArgumentException("not a lower-case hex sha256: " + sha256);
        }
    }
}
