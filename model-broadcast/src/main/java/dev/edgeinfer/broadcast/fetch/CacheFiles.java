package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The files of a {@link ModelStore} directory: {@code <sha256>.onnx} entries and fetch temp files. */
@Internal
final class CacheFiles {

    private static final Pattern ENTRY = Pattern.compile("([0-9a-f]{64})\\.onnx");
    private static final long STALE_TEMP_MS = 60 * 60 * 1000L;

    private CacheFiles() {}

    /** The regular {@code <sha256>.onnx} files in {@code root}. */
    static List<Path> entries(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, "*.onnx")) {
            for (Path p : stream) {
                if (ENTRY.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    static String shaOf(Path entry) {
        String name = entry.getFileName().toString();
        return name.substring(0, name.length() - ".onnx".length());
    }

    /** Deletes the temp files of fetches that died over an hour ago. */
    static void sweepStaleTemps(Path root) throws IOException {
        long cutoff = System.currentTimeMillis() - STALE_TEMP_MS;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, FetchSupport.TEMP_PREFIX + "*" + FetchSupport.TEMP_SUFFIX)) {
            for (Path p : stream) {
                if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    FetchSupport.deleteQuietly(p);
                }
            }
        }
    }

    /**
     * {@code temp} if it is in {@code root}, else a copy there (and {@code temp} deleted): a
     * fetcher may ignore the directory, and the final rename must stay atomic.
     */
    static Path moveInto(ModelRelease release, Path temp, Path root) throws IOException, ModelFetchException {
        if (root.equals(temp.toAbsolutePath().getParent())) {
            return temp;
        }
        Path local = FetchSupport.newTempFile(release, root);
        Files.copy(temp, local, StandardCopyOption.REPLACE_EXISTING);
        FetchSupport.deleteQuietly(temp);   // fetchTo's contract: the caller owns it
        return local;
    }

    /** Checks fetched bytes against the store's limit and the release's size and sha256. */
    static void verify(ModelRelease release, Path file, long maxModelBytes) throws IOException, ModelFetchException {
        long size = Files.size(file);
        if (size > maxModelBytes) {
            throw new ModelFetchException(Reason.TOO_LARGE, release.uri(),
                    "fetched " + size + " bytes, more than the store's limit of " + maxModelBytes, null);
        }
        if (size != release.sizeBytes()) {
            throw new ModelFetchException(Reason.SIZE_MISMATCH, release.uri(),
                    "fetched " + size + " bytes, the release declares " + release.sizeBytes(), null);
        }
        String actual = Sha256.of(file);
        if (!actual.equals(release.sha256())) {
            throw new ModelFetchException(Reason.CHECKSUM_MISMATCH, release.uri(),
                    "fetched bytes have sha256 " + actual + ", the release declares " + release.sha256(), null);
        }
    }
}
