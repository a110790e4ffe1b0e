package dev.edgeinfer.broadcast;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Brings a released model's bytes to a local file so a runner can load it.
 *
 * <pre>{@code
 * ModelFetcher fetcher = new FileModelFetcher();
 * Path local = fetcher.fetch(release);   // then verify sha256 and load
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A fetcher only moves bytes; it does not vouch for them. The
 * caller verifies the sha256 of the returned file against the release before loading it.
 * Implementations are shipped to every Flink subtask, so they must be serializable, and may be
 * called from a background staging thread.
 */
public interface ModelFetcher extends Serializable {

    /**
     * @return a local, readable file holding the release's bytes
     * @throws ModelFetchException when the bytes cannot be obtained; {@link
     *     ModelFetchException#retriable()} says whether trying again may help
     */
    Path fetch(ModelRelease release) throws ModelFetchException;
}
