package dev.edgeinfer.broadcast.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

class BlobAssemblerTest {

    private static final int CHUNK = 10;

    @TempDir
    Path dir;
    private Path file;
    private FileChannel channel;
    private final byte[] blob = new byte[35];   // chunks of 10, 10, 10, 5
    private ModelRelease release;
    private BlobAssembler assembler;

    @BeforeEach
    void setUp() throws Exception {
        new Random(42).nextBytes(blob);
        release = Releases.release("m", "v1", 0).sha256(Sha256.of(blob)).sizeBytes(blob.length)
                .uri("kafka-blob:" + Sha256.of(blob)).build();
        file = dir.resolve("blob.part");
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        assembler = new BlobAssembler(release, channel, 1 << 20);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close();
    }

    private byte[] chunk(int n) {
        return Arrays.copyOfRange(blob, n * CHUNK, Math.min(blob.length, (n + 1) * CHUNK));
    }

    private void send(int n, byte[] value) throws Exception {
        assembler.accept(n, "4", "35", String.valueOf(CHUNK), value);
    }

    private void send(int n) throws Exception {
        send(n, chunk(n));
    }

    private ModelFetchException failure() {
        return catchThrowableOfType(ModelFetchException.class, () -> assembler.finish());
    }

    @Test
    void reassemblesChunksInAnyOrder() throws Exception {
        send(2);
        send(0);
        send(3);
        send(1);
        assembler.finish();
        channel.close();
        assertThat(Files.readAllBytes(file)).isEqualTo(blob);
    }

    @Test
    void missingChunkIsReportedByNumber() throws Exception {
        send(0);
        send(1);
        send(3);
        ModelFetchException e = failure();
        assertThat(e.reason()).isEqualTo(Reason.MISSING_CHUNK);
        assertThat(e.getMessage()).contains("chunk 2 of 4 is missing");
        assertThat(e.retriable()).isTrue();
    }

    @Test
    void shortChunkIsTruncatedAndNamed() throws Exception {
        send(0);
        send(1, Arrays.copyOf(chunk(1), 7));
        send(2);
        send(3);
        ModelFetchException e = failure();
        assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
        assertThat(e.getMessage()).contains("chunk 1 of 4 has 7 bytes, expected 10");
    }

    @Test
    void identicalDuplicatesAreIgnoredAndConflictingOnesReplaceTheEarlier() throws Exception {
        byte[] wrong = chunk(1).clone();
        wrong[0] ^= 1;
        send(0);
        send(1, wrong);
        send(2);
        send(2);
        send(3);
        send(1);   // a later re-upload of chunk 1 repairs it
        assembler.finish();
        channel.close();
        assertThat(Files.readAllBytes(file)).isEqualTo(blob);
        assertThat(assembler.duplicates()).isEqualTo(2);
        assertThat(assembler.conflictingDuplicates()).isEqualTo(1);
    }

    @Test
    void chunkBeyondTheDeclaredCountIsInconsistent() throws Exception {
        for (int n = 0; n < 4; n++) {
            send(n);
        }
        send(4, new byte[CHUNK]);
        assertThat(failure().reason()).isEqualTo(Reason.INCONSISTENT_CHUNKS);
    }

    @Test
    void aLaterUploadWithAnotherLayoutStartsOver() throws Exception {
        // An aborted first upload with 20-byte chunks, then a complete one with 10-byte chunks.
        assembler.accept(0, "2", "35", "20", Arrays.copyOf(blob, 20));
        for (int n = 0; n < 4; n++) {
            send(n);
        }
        assembler.finish();
        channel.close();
        assertThat(Files.readAllBytes(file)).isEqualTo(blob);
    }

    @Test
    void noChunksIsNotFound() {
        assertThat(failure().reason()).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void missingHeadersAreInconsistent() throws Exception {
        assembler.accept(0, null, "35", "10", chunk(0));
        assertThat(failure().reason()).isEqualTo(Reason.INCONSISTENT_CHUNKS);
    }

    @Test
    void blobLargerThanTheLimitIsTooLargeAndNotWritten() throws Exception {
        BlobAssembler small = new BlobAssembler(release, channel, 20);
        for (int n = 0; n < 4; n++) {
            small.accept(n, "4", "35", "10", chunk(n));
        }
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class, small::finish);
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void completeBlobOfAnotherSizeThanTheReleaseIsASizeMismatch() throws Exception {
        ModelRelease bigger = release.toBuilder().sizeBytes(36).build();
        BlobAssembler a = new BlobAssembler(bigger, channel, 1 << 20);
        for (int n = 0; n < 4; n++) {
            a.accept(n, "4", "35", "10", chunk(n));
        }
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class, a::finish);
        assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH);
    }
}
