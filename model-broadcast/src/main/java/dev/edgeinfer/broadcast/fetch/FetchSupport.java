package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Bounded streaming into temp files, shared by the fetchers. */
@Internal
final class FetchSupport {

    private static final Logger LOG = LoggerFactory.getLogger(FetchSupport.class);

    /** Prefix/suffix of in-progress downloads; {@link ModelStore#retain} removes stale ones. */
    static final String TEMP_PREFIX = ".fetch-";
    static final String TEMP_SUFFIX = ".part";

    private FetchSupport() {}

    /** The most bytes a fetch of {@code release} may write: never more than the release declares. */
    static long limit(ModelRelease release, long maxBytes) {
        return Math.min(maxBytes, release.sizeBytes());
    }

    /** Refuses, before any transfer, a release that declares more bytes than allowed. */
    static void checkDeclaredSize(ModelRelease release, long maxBytes) throws ModelFetchException {
        if (release.sizeBytes() > maxBytes) {
            throw new ModelFetchException(Reason.TOO_LARGE, release.uri(),
                    "release declares " + release.sizeBytes() + " bytes, more than the limit of " + maxBytes, null);
        }
    }

    static Path newTempFile(ModelRelease release, Path directory) throws ModelFetchException {
        try {
            Files.createDirectories(directory);
            return Files.createTempFile(directory, TEMP_PREFIX + release.sha256().substring(0, 12) + "-", TEMP_SUFFIX);
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(),
                    "cannot create a temp file in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Streams {@code in} into a new temp file in {@code directory}, enforcing the limit while
     * reading (a Content-Length or file size may lie) and the exact declared size at the end.
     */
    static Path download(ModelRelease release, InputStream in, Path directory, long maxBytes) throws ModelFetchException {
        checkDeclaredSize(release, maxBytes);
        Path temp = newTempFile(release, directory);
        boolean ok = false;
        try {
            long copied;
            try (OutputStream out = Files.newOutputStream(temp)) {
                copied = copyBounded(release, in, out, limit(release, maxBytes));
            } catch (IOException e) {
                throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "transfer failed: " + e.getMessage(), e);
            }
            requireComplete(release, copied);
            ok = true;
            return temp;
        } finally {
            if (!ok) {
                deleteQuietly(temp);
            }
        }
    }

    /** Copies at most {@code limit} bytes; one byte more is {@link Reason#TOO_LARGE}. */
    static long copyBounded(ModelRelease release, InputStream in, OutputStream out, long limit)
            throws IOException, ModelFetchException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int read; (read = in.read(buffer)) >= 0; ) {
            total += read;
            if (total > limit) {
                throw new ModelFetchException(Reason.TOO_LARGE, release.uri(), "more than " + limit + " bytes"
                        + (limit == release.sizeBytes() ? " (the release's sizeBytes)" : " (the size limit)"), null);
            }
            out.write(buffer, 0, read);
        }
        return total;
    }

    /**
     * The verdict on bytes of the right sha256 but another size than the release declares, the
     * same a fetch reaches ({@code TOO_LARGE} for more, {@code TRUNCATED} for fewer): so a
     * release is judged alike whether its bytes were cached or fetched.
     */
    static ModelFetchException sizeVerdict(ModelRelease release, long actualSize) {
        return actualSize > release.sizeBytes()
                ? new ModelFetchException(Reason.TOO_LARGE, release.uri(), "more than " + release.sizeBytes()
                        + " bytes (the release's sizeBytes): the bytes with its sha256 have " + actualSize, null)
                : new ModelFetchException(Reason.TRUNCATED, release.uri(), "got " + actualSize
                        + " bytes, the release declares " + release.sizeBytes(), false, null);
    }

    static void requireComplete(ModelRelease release, long copied) throws ModelFetchException {
        if (copied < release.sizeBytes()) {
            throw new ModelFetchException(Reason.TRUNCATED, release.uri(),
                    "got " + copied + " bytes, the release declares " + release.sizeBytes(), null);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Not fatal: ModelStore.retain() sweeps stale temp files later.
            LOG.warn("cannot delete the partial download {}; it is swept later", file, e);
        }
    }
}
