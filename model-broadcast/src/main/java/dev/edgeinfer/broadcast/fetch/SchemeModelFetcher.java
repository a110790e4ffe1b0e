package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Dispatches to a {@link ModelFetcher} by the URI's scheme.
 *
 * <pre>{@code
 * ModelFetcher fetcher = SchemeModelFetcher.builder()
 *         .file(Path.of("/models"))                                    // file:
 *         .http(new HttpModelFetcher(downloads, max, connect, request, hosts)) // http:, https:
 *         .kafkaBlob(new KafkaBlobFetcher(bootstrap, BlobTopic.DEFAULT_TOPIC, downloads, max, timeout))
 *         .build();
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Schemes are matched case-insensitively. A URI whose scheme
 * has no fetcher is {@link Reason#UNKNOWN_SCHEME} (not retriable; the message lists the supported
 * schemes), so a release pointing at {@code ftp:} or {@code s3:} is rejected instead of retried.
 * Immutable and serializable if the registered fetchers are.
 */
public final class SchemeModelFetcher implements ModelFetcher {

    private static final long serialVersionUID = 1L;

    private final TreeMap<String, ModelFetcher> byScheme;

    private SchemeModelFetcher(TreeMap<String, ModelFetcher> byScheme) {
        this.byScheme = byScheme;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The schemes served, lower case, sorted. */
    public Set<String> schemes() {
        return Collections.unmodifiableSet(byScheme.keySet());
    }

    @Override
    public Path fetch(ModelRelease release) throws ModelFetchException {
        return fetcherFor(release.uri()).fetch(release);
    }

    @Override
    public Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
        return fetcherFor(release.uri()).fetchTo(release, directory, maxBytes);
    }

    @Override
    public void checkSource(ModelRelease release) throws ModelFetchException {
        fetcherFor(release.uri()).checkSource(release);
    }

    /** The fetcher for the URI's scheme. */
    public ModelFetcher fetcherFor(String uri) throws ModelFetchException {
        String scheme;
        try {
            scheme = new URI(uri).getScheme();
        } catch (URISyntaxException e) {
            throw new ModelFetchException(Reason.INVALID_URI, uri, e.getMessage(), e);
        }
        ModelFetcher fetcher = scheme == null ? null : byScheme.get(scheme.toLowerCase(Locale.ROOT));
        if (fetcher == null) {
            throw new ModelFetchException(Reason.UNKNOWN_SCHEME, uri,
                    "no fetcher for scheme '" + scheme + "' (supported: " + byScheme.keySet() + ")", null);
        }
        return fetcher;
    }

    @Override
    public String toString() {
        return "SchemeModelFetcher" + byScheme;
    }

    /** Builder; the last registration of a scheme wins. */
    public static final class Builder {
        private final TreeMap<String, ModelFetcher> byScheme = new TreeMap<>();

        private Builder() {}

        public Builder register(String scheme, ModelFetcher fetcher) {
            if (scheme == null || scheme.isBlank() || fetcher == null) {
                throw new IllegalArgumentException("scheme and fetcher are required");
            }
            byScheme.put(scheme.toLowerCase(Locale.ROOT), fetcher);
            return this;
        }

        /** {@code file:} confined to {@code modelsRoot}. */
        public Builder file(Path modelsRoot) {
            return register("file", new FileModelFetcher(modelsRoot));
        }

        /** {@code http:} and {@code https:}. */
        public Builder http(HttpModelFetcher fetcher) {
            return register("http", fetcher).register("https", fetcher);
        }

        /** {@code kafka-blob:}. */
        public Builder kafkaBlob(KafkaBlobFetcher fetcher) {
            return register(BlobTopic.SCHEME, fetcher);
        }

        public SchemeModelFetcher build() {
            return new SchemeModelFetcher(new TreeMap<>(Map.copyOf(byScheme)));
        }
    }
}
