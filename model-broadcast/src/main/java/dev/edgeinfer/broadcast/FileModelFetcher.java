package dev.edgeinfer.broadcast;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fetches {@code file:} URIs (or plain absolute paths): the bytes are already local, so this
 * only resolves and checks the path.
 *
 * <p><b>Guarantees and caveats.</b> The file must be readable on every TaskManager at the same
 * path. Other schemes are rejected as not retriable.
 */
public final class FileModelFetcher implements ModelFetcher {

    private static final long serialVersionUID = 1L;

    @Override
    public Path fetch(ModelRelease release) throws ModelFetchException {
        String uri = release.uri();
        Path path;
        try {
            URI parsed = new URI(uri);
            if (parsed.getScheme() == null) {
                path = Path.of(uri);
            } else if ("file".equals(parsed.getScheme())) {
                path = Path.of(parsed);
            } else {
                throw new ModelFetchException(uri, "unsupported URI scheme '" + parsed.getScheme() + "'", false, null);
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ModelFetchException(uri, "not a valid file URI: " + e.getMessage(), false, e);
        }
        if (!Files.isRegularFile(path)) {
            // Possibly a shared volume not mounted yet: worth another try.
            throw new ModelFetchException(uri, "no such file " + path, true, null);
        }
        if (!Files.isReadable(path)) {
            throw new ModelFetchException(uri, "file " + path + " is not readable", false, null);
        }
        return path;
    }
}
