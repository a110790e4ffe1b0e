package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.Internal;

import java.nio.file.Path;

/**
 * A fetcher that downloads into a directory of its own, under a size limit of its own:
 * {@link #fetch} is {@link #fetchTo} there, and a caller's limit can only lower its own.
 * Subclasses parse the release's URI into a source ({@code S}) and download from it.
 */
@Internal
abstract class DownloadingFetcher<S> implements ModelFetcher {

    private static final long serialVersionUID = 1L;

    /** A string: {@link Path} is not serializable. */
    final String downloadDirectory;
    final long maxBytes;

    DownloadingFetcher(String downloadDirectory, long maxBytes) {
        this.downloadDirectory = downloadDirectory;
        this.maxBytes = maxBytes;
    }

    @Override
    public final Path fetch(ModelRelease release) throws ModelFetchException {
        return fetchTo(release, Path.of(downloadDirectory), maxBytes);
    }

    @Override
    public final Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
        // The URI first: an unusable source is the verdict even for an oversize release.
        S source = source(release);
        long allowed = Math.min(maxBytes, this.maxBytes);
        FetchSupport.checkDeclaredSize(release, allowed);
        return download(release, source, directory, FetchSupport.limit(release, allowed));
    }

    /** What the release's URI names, checked (scheme, syntax). */
    abstract S source(ModelRelease release) throws ModelFetchException;

    /**
     * Downloads into a new file in {@code directory}, writing at most {@code limit} bytes (the
     * declared size is already known to be within the limits); on failure no file is left.
     */
    abstract Path download(ModelRelease release, S source, Path directory, long limit) throws ModelFetchException;
}
