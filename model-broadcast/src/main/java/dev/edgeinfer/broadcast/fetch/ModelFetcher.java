package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings a released model's bytes to a local file so a runner can load it.
 *
 * <pre>{@code
 * ModelFetcher fetcher = SchemeModelFetcher.builder()
 *         .file(Path.of("/models"))
 *         .http(new HttpModelFetcher(downloadDir, 512L << 20, Duration.ofSeconds(5), Duration.ofMinutes(2),
 *                 Set.of("models.example.com")))
 *         .build();
 * Path local = ModelStore.open(cacheDir, 512L << 20, 4).materialize(release, fetcher);  // fetched + verified
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A fetcher only moves bytes; it does not vouch for them. The
 * caller verifies the sha256 of the returned file against the release before loading it —
 * {@link ModelStore#materialize} does exactly that. Implementations are shipped to every Flink
 * subtask, so they must be serializable, and may be called from a background staging thread
 * (concurrently: implementations must be thread-safe). Failures are {@link ModelFetchException}s
 * with a {@link Reason}.
 */
public interface ModelFetcher extends Serializable {

    /**
     * @return a local, readable file holding the release's bytes. Whether the caller owns it (may
     *     delete it) depends on the fetcher: {@link FileModelFetcher} returns the original file,
     *     downloading fetchers return a new file in their download directory. Prefer
     *     {@link #fetchTo} when the file is to be kept or moved.
     * @throws ModelFetchException when the bytes cannot be obtained; {@link
     *     ModelFetchException#retriable()} says whether trying again may help
     */
    Path fetch(ModelRelease release) throws ModelFetchException;

    /**
     * Fetches into a <em>new</em> file inside {@code directory} that the caller owns (and may move
     * atomically within that directory, which is what {@link ModelStore} does). At most
     * {@code min(maxBytes, release.sizeBytes())} bytes are written; more is {@link Reason#TOO_LARGE},
     * fewer is {@link Reason#TRUNCATED}. The sha256 is not checked here.
     *
     * <p>The default copies the file {@link #fetch} returns; downloading fetchers override it to
     * stream straight into {@code directory}. On failure no file is left behind.
     */
    default Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
        Path source = fetch(release);
        try (InputStream in = Files.newInputStream(source)) {
            return FetchSupport.download(release, in, directory, maxBytes);
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks, without touching the network or the disk, that this fetcher would accept the
     * release's source at all (scheme, URI syntax, confinement). The operator calls it when a
     * release arrives, before consulting the local cache, so the verdict on a bad source is the
     * same on every subtask whether or not the bytes happen to be cached already.
     *
     * @throws ModelFetchException with a non-retriable reason when the source is unacceptable
     */
    default void checkSource(ModelRelease release) throws ModelFetchException {}
}
