package dev.edgeinfer.broadcast.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.testutils.Releases;

import com.sun.net.httpserver.HttpServer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

class HttpModelFetcherTest {

    private static final byte[] MODEL = new byte[100_000];

    static {
        Arrays.fill(MODEL, (byte) 7);
        MODEL[0] = 1;
    }

    @TempDir
    Path dir;
    private HttpServer server;
    private ExecutorService executor;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private String base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/model.onnx", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, MODEL.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(MODEL);
            }
        });
        server.createContext("/chunked.onnx", ex -> {   // no Content-Length: the limit must hold while streaming
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 20; i++) {
                    out.write(MODEL);
                }
            } catch (java.io.IOException clientGaveUp) {
                // expected: the fetcher stops reading
            }
        });
        server.createContext("/short.onnx", ex -> {
            ex.sendResponseHeaders(200, 10);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(MODEL, 0, 10);
            }
        });
        server.createContext("/stall-headers.onnx", ex -> {
            await();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.createContext("/stall-body.onnx", ex -> {
            ex.sendResponseHeaders(200, MODEL.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(MODEL, 0, 1000);
                out.flush();
                await();
            } catch (java.io.IOException ignored) {
                // the client went away
            }
        });
        server.createContext("/error.onnx", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.createContext("/forbidden.onnx", ex -> {
            ex.sendResponseHeaders(403, -1);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void await() {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private static ModelRelease release(String uri, long size) {
        return Releases.release("m", "v1", 0).uri(uri).sizeBytes(size).sha256(Sha256.of(MODEL)).build();
    }

    private HttpModelFetcher fetcher(long max, Duration request) {
        return new HttpModelFetcher(dir.resolve("downloads"), max, Duration.ofSeconds(2), request, Set.of("127.0.0.1"));
    }

    private ModelFetchException failure(HttpModelFetcher f, ModelRelease r) {
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class, () -> f.fetchTo(r, dir, Long.MAX_VALUE));
        assertThat(e).as(r.uri()).isNotNull();
        return e;
    }

    /** Fetches {@code path} (5 s timeout), expecting {@code reason} and no temp file left behind. */
    private ModelFetchException failsCleanly(long max, String path, long size, Reason reason) throws Exception {
        ModelFetchException e = failure(fetcher(max, Duration.ofSeconds(5)), release(base + path, size));
        assertThat(e.reason()).isEqualTo(reason);
        assertNoTempFilesLeft();
        return e;
    }

    private void assertNoTempFilesLeft() throws Exception {
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".part"))).isEmpty();
        }
    }

    @Test
    void downloadsTheBodyIntoANewFileInTheGivenDirectory() throws Exception {
        Path p = fetcher(1 << 20, Duration.ofSeconds(5)).fetchTo(release(base + "/model.onnx", MODEL.length), dir, 1 << 20);
        assertThat(p.getParent()).isEqualTo(dir);
        assertThat(Files.readAllBytes(p)).isEqualTo(MODEL);
        Path viaFetch = fetcher(1 << 20, Duration.ofSeconds(5)).fetch(release(base + "/model.onnx", MODEL.length));
        assertThat(viaFetch.getParent()).isEqualTo(dir.resolve("downloads"));
    }

    @Test
    void declaredContentLengthOverTheLimitIsRefusedBeforeDownloading() throws Exception {
        assertThat(failsCleanly(50_000, "/model.onnx", 40_000, Reason.TOO_LARGE).retriable()).isFalse();
    }

    @Test
    void sizeLimitHoldsWhileStreamingWithoutContentLength() throws Exception {
        failsCleanly(1 << 30, "/chunked.onnx", MODEL.length, Reason.TOO_LARGE);
    }

    @Test
    void releaseLargerThanTheLimitIsRefusedWithoutARequest() {
        ModelFetchException e = failure(fetcher(1000, Duration.ofSeconds(5)), release(base + "/model.onnx", MODEL.length));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(requests).hasValue(0);
    }

    @Test
    void shortBodyIsTruncated() throws Exception {
        failsCleanly(1 << 20, "/short.onnx", MODEL.length, Reason.TRUNCATED);
    }

    @Test
    void serverThatNeverAnswersTimesOut() {
        long start = System.nanoTime();
        ModelFetchException e = failure(fetcher(1 << 20, Duration.ofMillis(500)), release(base + "/stall-headers.onnx", MODEL.length));
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(e.retriable()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void serverThatStallsMidBodyTimesOut() throws Exception {
        long start = System.nanoTime();
        ModelFetchException e = failure(fetcher(1 << 20, Duration.ofMillis(700)), release(base + "/stall-body.onnx", MODEL.length));
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertNoTempFilesLeft();
    }

    @Test
    void missingModelIsNotFound() {
        ModelFetchException e = failure(fetcher(1 << 20, Duration.ofSeconds(5)), release(base + "/nothing-here.onnx", 10));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e.getMessage()).contains("404");
    }

    @Test
    void serverErrorsAreRetriableClientErrorsAreNot() {
        ModelFetchException e503 = failure(fetcher(1 << 20, Duration.ofSeconds(5)), release(base + "/error.onnx", 10));
        assertThat(e503.reason()).isEqualTo(Reason.HTTP_STATUS);
        assertThat(e503.retriable()).isTrue();
        ModelFetchException e403 = failure(fetcher(1 << 20, Duration.ofSeconds(5)), release(base + "/forbidden.onnx", 10));
        assertThat(e403.reason()).isEqualTo(Reason.HTTP_STATUS);
        assertThat(e403.retriable()).isFalse();
    }

    @Test
    void otherSchemesAreRefused() {
        ModelFetchException e = failure(fetcher(1 << 20, Duration.ofSeconds(5)), release("ftp://127.0.0.1/m.onnx", 10));
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEME);
    }

    @Test
    void hostsNotAllowedAreRefusedOnReceiptWithoutARequest() {
        ModelRelease internal = release("http://localhost:" + server.getAddress().getPort() + "/model.onnx", MODEL.length);
        HttpModelFetcher none = new HttpModelFetcher(dir, 1 << 20, Duration.ofSeconds(2), Duration.ofSeconds(5), Set.of());

        for (HttpModelFetcher f : List.of(fetcher(1 << 20, Duration.ofSeconds(5)), none)) {
            assertThat(catchThrowableOfType(ModelFetchException.class, () -> f.checkSource(internal)).reason())
                    .isEqualTo(Reason.HOST_NOT_ALLOWED);
            assertThat(failure(f, internal).reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
        }
        assertThat(catchThrowableOfType(ModelFetchException.class,
                        () -> none.checkSource(release(base + "/model.onnx", MODEL.length))).getMessage())
                .contains("no http(s) hosts are allowed");
        assertThat(requests).hasValue(0);
    }

    @Test
    void fetcherIsSerializableAndWorksAfterwards() throws Exception {
        HttpModelFetcher f = fetcher(1 << 20, Duration.ofSeconds(5));
        f.fetchTo(release(base + "/model.onnx", MODEL.length), dir, 1 << 20);   // creates the transient client
        HttpModelFetcher back = InstantiationUtil.clone(f);   // Java serialisation, as Flink ships it
        assertThat(Files.readAllBytes(back.fetchTo(release(base + "/model.onnx", MODEL.length), dir, 1 << 20))).isEqualTo(MODEL);
    }
}
