package dev.edgeinfer.broadcast.fetch;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches {@code http:} and {@code https:} URIs from allowed hosts only, with the JDK
 * {@link HttpClient}, streaming into a temp file.
 *
 * <pre>{@code
 * ModelFetcher http = new HttpModelFetcher(Path.of("/var/cache/edgeinfer/downloads"),
 *         512L << 20,                 // never accept more than 512 MiB
 *         Duration.ofSeconds(5),      // connect timeout
 *         Duration.ofMinutes(2),      // whole request, body included
 *         Set.of("models.example.com"));  // the only hosts releases may name
 * Path part = http.fetchTo(release, cacheDir, 512L << 20);   // caller owns the file
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> At most {@code min(maxBytes, release.sizeBytes())} bytes are
 * written, counted while streaming: a missing or lying {@code Content-Length} cannot make it
 * write more (a larger declared length is refused before the body is read). The request timeout
 * covers the whole transfer, body included — a server that stalls mid-body is cut off at the
 * deadline ({@link Reason#TIMEOUT}). Only hosts in {@code allowedHosts} (exact names, case
 * insensitive) are fetched from; with none, every http(s) release is refused
 * ({@link Reason#HOST_NOT_ALLOWED}, also from {@link #checkSource}, so it is a verdict on
 * receipt): whoever can write to the control topic cannot make TaskManagers fetch from internal
 * addresses. Redirects are therefore not followed (a 3xx is {@link Reason#HTTP_STATUS}). Statuses:
 * 404/410 {@link Reason#NOT_FOUND} (retriable: the upload may not be finished), 408, 429 and 5xx
 * {@link Reason#HTTP_STATUS} retriable, other non-2xx {@link Reason#HTTP_STATUS} not retriable.
 * The sha256 is not checked here (use {@link ModelStore}). TLS uses the JVM's default trust store;
 * there is no authentication support beyond what the URI carries. On failure no temp file is left.
 */
public final class HttpModelFetcher extends DownloadingFetcher<URI> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HttpModelFetcher.class);

    private final long connectTimeoutMs;
    private final long requestTimeoutMs;
    private final Set<String> allowedHosts;
    /** HttpClient is not serializable; one per fetcher instance per JVM, created on first use. */
    private transient volatile HttpClient client;

    /**
     * @param downloadDirectory where {@link #fetch} puts downloads (created if missing)
     * @param maxBytes the most bytes any download may have
     * @param connectTimeout TCP/TLS connect timeout
     * @param requestTimeout deadline for the whole request, from sending it to the last body byte
     * @param allowedHosts the host names releases may fetch from; empty: none
     */
    public HttpModelFetcher(Path downloadDirectory, long maxBytes, Duration connectTimeout, Duration requestTimeout,
            Set<String> allowedHosts) {
        super(downloadDirectory.toAbsolutePath().normalize().toString(), maxBytes);
        if (maxBytes <= 0 || connectTimeout.isNegative() || connectTimeout.isZero()
                || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("maxBytes and timeouts must be positive");
        }
        this.connectTimeoutMs = connectTimeout.toMillis();
        this.requestTimeoutMs = requestTimeout.toMillis();
        this.allowedHosts = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        this.allowedHosts.addAll(Objects.requireNonNull(allowedHosts, "allowedHosts"));
    }

    @Override
    URI source(ModelRelease release) throws ModelFetchException {
        URI parsed = parse(release.uri());
        if (!allowedHosts.contains(parsed.getHost())) {
            throw new ModelFetchException(Reason.HOST_NOT_ALLOWED, release.uri(), allowedHosts.isEmpty()
                    ? "no http(s) hosts are allowed (set the allowed hosts to fetch models over http)"
                    : "host '" + parsed.getHost() + "' is not one of the allowed hosts " + allowedHosts, null);
        }
        return parsed;
    }

    @Override
    public void checkSource(ModelRelease release) throws ModelFetchException {
        source(release);
    }

    @Override
    Path download(ModelRelease release, URI target, Path directory, long limit) throws ModelFetchException {
        String uri = release.uri();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs);
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(Duration.ofMillis(requestTimeoutMs))
                .header("Accept", "application/octet-stream, */*")
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new ModelFetchException(Reason.TIMEOUT, uri, "connect timed out after " + connectTimeoutMs + " ms", e);
        } catch (HttpTimeoutException e) {
            throw new ModelFetchException(Reason.TIMEOUT, uri, "no response within " + requestTimeoutMs + " ms", e);
        } catch (IOException e) {
            throw new ModelFetchException(Reason.IO_ERROR, uri, "request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelFetchException(Reason.IO_ERROR, uri, "interrupted", false, e);
        }

        try (InputStream body = response.body()) {
            checkStatus(uri, response.statusCode());
            OptionalLong declared = response.headers().firstValueAsLong("Content-Length");
            if (declared.isPresent() && declared.getAsLong() > limit) {
                throw new ModelFetchException(Reason.TOO_LARGE, uri, "Content-Length " + declared.getAsLong()
                        + " exceeds the limit of " + limit + " bytes", null);
            }
            return streamBody(release, body, directory, limit, deadline);
        } catch (IOException e) {
            // Closing the body failed; the transfer itself already succeeded or failed on its own.
            throw new ModelFetchException(Reason.IO_ERROR, uri, "closing the response failed: " + e, e);
        }
    }

    private Path streamBody(ModelRelease release, InputStream body, Path directory, long limit, long deadline)
            throws ModelFetchException {
        String uri = release.uri();
        // The client's request timeout only covers the response headers: a watchdog closes the
        // body at the deadline so a server that trickles or stalls cannot hold the stager forever.
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        long remainingNs = Math.max(0, deadline - System.nanoTime());
        CompletableFuture.runAsync(() -> {
            if (!finished.get()) {
                timedOut.set(true);
                try {
                    body.close();
                } catch (IOException e) {
                    // The reader still stops at the timedOut check once the transfer ends.
                    LOG.warn("cannot close the response body of {} at its deadline", release.uri(), e);
                }
            }
        }, CompletableFuture.delayedExecutor(remainingNs, TimeUnit.NANOSECONDS));

        Path temp = FetchSupport.newTempFile(release, directory);
        boolean ok = false;
        try {
            long copied;
            try (OutputStream out = Files.newOutputStream(temp)) {
                copied = FetchSupport.copyBounded(release, body, out, limit);
            } catch (IOException e) {
                if (timedOut.get()) {
                    throw timeout(uri, e);
                }
                throw new ModelFetchException(Reason.IO_ERROR, uri, "transfer failed: " + e, e);
            }
            if (timedOut.get()) {
                throw timeout(uri, null);  // a close may look like a clean end of stream
            }
            FetchSupport.requireComplete(release, copied);
            ok = true;
            return temp;
        } finally {
            finished.set(true);
            if (!ok) {
                FetchSupport.deleteQuietly(temp);
            }
        }
    }

    private ModelFetchException timeout(String uri, Throwable cause) {
        return new ModelFetchException(Reason.TIMEOUT, uri, "transfer not complete within " + requestTimeoutMs + " ms", cause);
    }

    private static void checkStatus(String uri, int status) throws ModelFetchException {
        if (status >= 200 && status < 300) {
            return;
        }
        if (status == 404 || status == 410) {
            throw new ModelFetchException(Reason.NOT_FOUND, uri, "HTTP " + status, null);
        }
        boolean retriable = status == 408 || status == 429 || status >= 500;
        throw new ModelFetchException(Reason.HTTP_STATUS, uri, "HTTP " + status, retriable, null);
    }

    private static URI parse(String uri) throws ModelFetchException {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new ModelFetchException(Reason.INVALID_URI, uri, e.getMessage(), e);
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ModelFetchException(Reason.UNKNOWN_SCHEME, uri,
                    "HttpModelFetcher serves http: and https: only, got '" + parsed.getScheme() + "'", null);
        }
        if (parsed.getHost() == null) {
            throw new ModelFetchException(Reason.INVALID_URI, uri, "no host", null);
        }
        return parsed;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .connectTimeout(Duration.ofMillis(connectTimeoutMs))
                            .followRedirects(HttpClient.Redirect.NEVER)  // a redirect could leave the allowed hosts
                            .build();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return "HttpModelFetcher[max " + maxBytes + " B, connect " + connectTimeoutMs + " ms, request "
                + requestTimeoutMs + " ms, hosts " + allowedHosts + ", downloads " + downloadDirectory + "]";
    }
}
