package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.BitSet;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Reassembles one blob from its chunk records, read in offset order, into a file. Kafka-free, so
 * the missing/duplicate/truncated logic is unit-testable without a broker.
 *
 * <p>Rules: the blob's layout (chunk count, total size, chunk size) comes from the headers; a
 * record with a different layout starts over (a later re-upload supersedes an earlier one). Within
 * a layout, a duplicate chunk with the same bytes is ignored, one with different bytes replaces
 * the earlier (the latest upload wins; the caller's sha256 check is the final judge). Chunks are
 * written at their position, so memory stays at one chunk. Problems are collected and judged in
 * {@link #finish()}, because a later record may still repair them.
 */
@Internal
final class BlobAssembler {

    record Layout(int chunks, long size, int chunkSize) {}

    private final ModelRelease release;
    private final FileChannel out;
    private final long limit;

    private Layout layout;
    private BitSet received = new BitSet();
    private int[] crcs = new int[0];
    /** chunk number -> actual length, for chunks whose length does not fit the layout. */
    private final Map<Integer, Integer> badLength = new TreeMap<>();
    private final Map<Integer, String> outOfRange = new TreeMap<>();
    private String malformed;
    private int duplicates;
    private int conflictingDuplicates;
    private int records;

    BlobAssembler(ModelRelease release, FileChannel out, long limit) {
        this.release = release;
        this.out = out;
        this.limit = limit;
    }

    /**
     * @param chunkNo parsed from the key, or -1 when the key's suffix is not a chunk number
     * @param chunks/size/chunkSize header values as text, {@code null} when absent
     */
    void accept(int chunkNo, String chunks, String size, String chunkSize, byte[] value) throws IOException {
        records++;
        Layout l;
        try {
            l = new Layout(Integer.parseInt(Objects.requireNonNull(chunks, BlobTopic.HEADER_CHUNKS)),
                    Long.parseLong(Objects.requireNonNull(size, BlobTopic.HEADER_SIZE)),
                    Integer.parseInt(Objects.requireNonNull(chunkSize, BlobTopic.HEADER_CHUNK_SIZE)));
        } catch (NullPointerException | NumberFormatException e) {
            malformed = "chunk record " + chunkNo + " has a missing or non-numeric header (" + e.getMessage() + ")";
            return;
        }
        if (l.chunks < 1 || l.size < 1 || l.chunkSize < 1 || l.chunks > BlobTopic.MAX_CHUNKS
                || (long) (l.chunks - 1) * l.chunkSize >= l.size || (long) l.chunks * l.chunkSize < l.size) {
            malformed = "chunk record " + chunkNo + " has an impossible layout " + l;
            return;
        }
        if (!l.equals(layout)) {
            startOver(l);
        }
        if (chunkNo < 0 || chunkNo >= l.chunks) {
            outOfRange.put(chunkNo, "chunk " + chunkNo + " is outside 0.." + (l.chunks - 1));
            return;
        }
        if (l.size > limit) {
            return; // judged in finish(); do not fill the disk with a blob we will refuse
        }
        long expected = chunkNo < l.chunks - 1 ? l.chunkSize : l.size - (long) (l.chunks - 1) * l.chunkSize;
        if (value == null || value.length != expected) {
            badLength.put(chunkNo, value == null ? 0 : value.length);
            received.clear(chunkNo);
            return;
        }
        badLength.remove(chunkNo);
        CRC32 crc = new CRC32();
        crc.update(value);
        int c = (int) crc.getValue();
        if (received.get(chunkNo)) {
            duplicates++;
            if (crcs[chunkNo] == c) {
                return;
            }
            conflictingDuplicates++;
        }
        ByteBuffer buf = ByteBuffer.wrap(value);
        long position = (long) chunkNo * l.chunkSize;
        while (buf.hasRemaining()) {
            position += out.write(buf, position);
        }
        received.set(chunkNo);
        crcs[chunkNo] = c;
    }

    private void startOver(Layout l) throws IOException {
        layout = l;
        received = new BitSet(l.chunks);
        crcs = new int[l.size > limit ? 0 : l.chunks];
        badLength.clear();
        outOfRange.clear();
        out.truncate(0);
    }

    /** Judges what was read; returns normally iff the file now holds every chunk of the latest layout. */
    void finish() throws ModelFetchException {
        String uri = release.uri();
        if (layout == null) {
            if (malformed != null) {
                throw new ModelFetchException(Reason.INCONSISTENT_CHUNKS, uri, malformed, null);
            }
            throw new ModelFetchException(Reason.NOT_FOUND, uri, "no chunks of blob " + release.sha256() + " on the topic", null);
        }
        if (layout.size > limit) {
            throw new ModelFetchException(Reason.TOO_LARGE, uri,
                    "blob has " + layout.size + " bytes, more than the limit of " + limit, null);
        }
        if (!outOfRange.isEmpty()) {
            throw new ModelFetchException(Reason.INCONSISTENT_CHUNKS, uri, outOfRange.values().iterator().next()
                    + " (blob declares " + layout.chunks + " chunks)", null);
        }
        for (Map.Entry<Integer, Integer> e : badLength.entrySet()) {
            int chunk = e.getKey();
            long expected = chunk < layout.chunks - 1 ? layout.chunkSize : layout.size - (long) (layout.chunks - 1) * layout.chunkSize;
            Reason reason = e.getValue() < expected ? Reason.TRUNCATED : Reason.INCONSISTENT_CHUNKS;
            throw new ModelFetchException(reason, uri, "chunk " + chunk + " of " + layout.chunks + " has "
                    + e.getValue() + " bytes, expected " + expected, null);
        }
        int missing = received.nextClearBit(0);
        if (missing < layout.chunks) {
            int count = layout.chunks - received.cardinality();
            throw new ModelFetchException(Reason.MISSING_CHUNK, uri, "chunk " + missing + " of " + layout.chunks
                    + " is missing" + (count > 1 ? " (" + count + " chunks missing in all)" : ""), null);
        }
        if (layout.size != release.sizeBytes()) {
            throw new ModelFetchException(Reason.SIZE_MISMATCH, uri, "blob has " + layout.size
                    + " bytes, the release declares " + release.sizeBytes(), null);
        }
    }

    Layout layout() {
        return layout;
    }

    int duplicates() {
        return duplicates;
    }

    int conflictingDuplicates() {
        return conflictingDuplicates;
    }

    int records() {
        return records;
    }
}
