package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Fetches {@code file:} URIs confined to a <em>models root</em>: the bytes are already local (a
 * shared or pre-provisioned volume), so this resolves and checks the path.
 *
 * <pre>{@code
 * ModelFetcher fetcher = new FileModelFetcher(Path.of("/models"));
 * fetcher.fetch(release);   // file:///models/sensor-v2.onnx -> /models/sensor-v2.onnx
 *                           // file:///models/../etc/passwd -> OUTSIDE_MODELS_ROOT
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> With a root, a URI is served only if its path, both lexically
 * (after removing {@code .} and {@code ..}) and after resolving every symlink, lies inside the
 * root's real path; otherwise {@link Reason#OUTSIDE_MODELS_ROOT} (not retriable), checked before
 * the file's existence is revealed. A release published to the control topic can therefore not make
 * a TaskManager read {@code /etc/shadow} or a key file. The returned path is the resolved real
 * path. {@code file://host/...} URIs are {@link Reason#INVALID_URI}; other schemes
 * {@link Reason#UNKNOWN_SCHEME}; a missing file (or missing root: a volume not mounted yet)
 * {@link Reason#NOT_FOUND}, retriable. The file must be readable at the same path on every
 * TaskManager. {@link #fetch} returns the original file: callers must not delete it;
 * {@link #fetchTo} copies (bounded by the release's {@code sizeBytes}).
 *
 * <p>The no-argument constructor is <b>unconfined</b>: it serves any local file the URI names.
 * It exists for tests and the local demo only; production jobs must configure a root.
 */
public final class FileModelFetcher implements ModelFetcher {

    private static final long serialVersionUID = 2L;

    /** Absolute root as a string (Path is not serializable); {@code null} = unconfined. */
    private final String modelsRoot;

    /** Serves only files under {@code modelsRoot} (which need not exist yet: a volume may mount later). */
    public FileModelFetcher(Path modelsRoot) {
        this.modelsRoot = modelsRoot.toAbsolutePath().normalize().toString();
    }

    /** Unconfined: serves any local file. For tests and the local demo only; see the class comment. */
    public FileModelFetcher() {
        this.modelsRoot = null;
    }

    /** The configured root, or {@code null} when unconfined. */
    public Path modelsRoot() {
        return modelsRoot == null ? null : Path.of(modelsRoot);
    }

    @Override
    public Path fetch(ModelRelease release) throws ModelFetchException {
        return resolve(release.uri());
    }

    @Override
    public Path fetchTo(ModelRelease release, Path directory, long maxBytes) throws ModelFetchException {
        FetchSupport.checkDeclaredSize(release, maxBytes);
        Path source = resolve(release.uri());
        // NOFOLLOW_LINKS: source is a real path, so a symlink here means it was swapped in after the check.
        try (InputStream in = Files.newInputStream(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return FetchSupport.download(release, in, directory, maxBytes);
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, release.uri(), "cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void checkSource(ModelRelease release) throws ModelFetchException {
        Path path = parse(release.uri());
        if (modelsRoot != null && !path.toAbsolutePath().normalize().startsWith(Path.of(modelsRoot))) {
            throw outside(release.uri(), path.toAbsolutePath().normalize());
        }
    }

    /** Resolves and checks a {@code file:} URI; returns the real path of a readable regular file. */
    public Path resolve(String uri) throws ModelFetchException {
        Path path = parse(uri);
        if (modelsRoot != null) {
            path = confine(uri, path);
        }
        if (!Files.isRegularFile(path)) {
            // Possibly a shared volume not mounted yet: worth another try.
            throw new ModelFetchException(Reason.NOT_FOUND, uri, "no such file " + path, null);
        }
        if (!Files.isReadable(path)) {
            throw new ModelFetchException(Reason.NOT_READABLE, uri, "file " + path + " is not readable", null);
        }
        return path;
    }

    private static Path parse(String uri) throws ModelFetchException {
        Path path;
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme();
            if (scheme == null || !"file".equals(scheme.toLowerCase(Locale.ROOT))) {
                throw new ModelFetchException(Reason.UNKNOWN_SCHEME, uri,
                        "FileModelFetcher serves file: URIs only, got scheme '" + scheme + "'", null);
            }
            if (parsed.getRawAuthority() != null && !parsed.getRawAuthority().isEmpty()) {
                throw new ModelFetchException(Reason.INVALID_URI, uri, "file URIs with a host are not supported", null);
            }
            path = Path.of(parsed);
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new ModelFetchException(Reason.INVALID_URI, uri, "not a valid file URI: " + e.getMessage(), e);
        }
        return path;
    }

    private Path confine(String uri, Path path) throws ModelFetchException {
        Path root = Path.of(modelsRoot);
        Path lexical = path.toAbsolutePath().normalize();
        Path realRoot = null;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            // Root not there (yet); the lexical check below still applies, then NOT_FOUND.
        }
        // Lexical check first, so a '..' probe learns nothing about which files exist outside.
        if (!lexical.startsWith(root) && (realRoot == null || !lexical.startsWith(realRoot))) {
            throw outside(uri, lexical);
        }
        if (realRoot == null) {
            throw new ModelFetchException(Reason.NOT_FOUND, uri, "models root " + root + " does not exist (not mounted yet?)", null);
        }
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (IOException e) {
            throw new ModelFetchException(Reason.NOT_FOUND, uri, "no such file " + lexical, null);
        }
        if (!real.startsWith(realRoot)) {
            // A symlink inside the root pointing out of it.
            throw outside(uri, real);
        }
        return real;
    }

    private ModelFetchException outside(String uri, Path path) {
        return new ModelFetchException(Reason.OUTSIDE_MODELS_ROOT, uri,
                "resolves to " + path + ", outside the models root " + modelsRoot, null);
    }

    @Override
    public String toString() {
        return "FileModelFetcher[" + (modelsRoot == null ? "unconfined" : modelsRoot) + "]";
    }
}
