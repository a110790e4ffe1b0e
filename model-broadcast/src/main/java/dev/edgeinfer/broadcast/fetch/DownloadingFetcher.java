package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.release.ModelRelease;

import java.nio.file.Path;
import org.apache.flink.annotation.Internal;

/**
 * A fetcher that downloads into a directory of its own, under a size limit of its own:
 * {@link #fetch} is {@link #fetchTo} there, and a caller's limit can only lower its own.
 */
@Internal
abstract class DownloadingFetcher implements ModelFetcher {

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

    /**
     * The most bytes a fetch of {@code release} may write under both limits; a release that
     * declares more is refused before any transfer.
     */
    final long limit(ModelRelease release, long callerMaxBytes) throws ModelFetchException {
        long allowed = Math.min(callerMaxBytes, maxBytes);
        FetchSupport.checkDeclaredSize(release, allowed);
        return FetchSupport.limit(release, allowed);
    }
}
