package dev.edgeinfer.broadcast.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

class FileModelFetcherTest {

    @TempDir
    Path tmp;
    private Path root;
    private Path outside;
    private FileModelFetcher fetcher;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("models"));
        outside = Files.writeString(tmp.resolve("secret.txt"), "not a model");
        Files.writeString(root.resolve("m.onnx"), "model bytes");
        fetcher = new FileModelFetcher(root);
    }

    private static ModelRelease release(String uri, long size) {
        return Releases.release("m", "v1", 0).uri(uri).sizeBytes(size).build();
    }

    private Reason failure(String uri) {
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class, () -> fetcher.fetch(release(uri, 11)));
        assertThat(e).as(uri).isNotNull();
        return e.reason();
    }

    @Test
    void servesAFileInsideTheRoot() throws Exception {
        Path p = fetcher.fetch(release(root.resolve("m.onnx").toUri().toString(), 11));
        assertThat(p).isEqualTo(root.resolve("m.onnx").toRealPath());
        Path copy = fetcher.fetchTo(release(root.resolve("m.onnx").toUri().toString(), 11), tmp, 100);
        assertThat(Files.readString(copy)).isEqualTo("model bytes");
        assertThat(copy.getParent()).isEqualTo(tmp);
    }

    @Test
    void refusesDotDotEscapesBeforeLookingAtTheFile() {
        assertThat(failure("file://" + root + "/../secret.txt")).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
        assertThat(failure("file://" + root + "/../does-not-exist")).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
        assertThat(failure("file://" + root + "/%2E%2E/secret.txt")).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
        assertThat(failure(outside.toUri().toString())).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
    }

    @Test
    void refusesSymlinksPointingOutOfTheRoot() throws Exception {
        Path link = Files.createSymbolicLink(root.resolve("link.onnx"), outside);
        Path dirLink = Files.createSymbolicLink(root.resolve("up"), tmp);
        assertThat(failure(link.toUri().toString())).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
        assertThat(failure("file://" + root + "/up/secret.txt")).isEqualTo(Reason.OUTSIDE_MODELS_ROOT);
        assertThat(dirLink).exists();
    }

    @Test
    void followsSymlinksThatStayInsideTheRoot() throws Exception {
        Path link = Files.createSymbolicLink(root.resolve("current.onnx"), root.resolve("m.onnx"));
        assertThat(fetcher.fetch(release(link.toUri().toString(), 11))).isEqualTo(root.resolve("m.onnx").toRealPath());
    }

    @Test
    void missingFileIsNotFoundAndRetriable() {
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher.fetch(release(root.resolve("nope.onnx").toUri().toString(), 11)));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e.retriable()).isTrue();
    }

    @Test
    void missingRootIsNotFoundSoAVolumeMayMountLater() {
        FileModelFetcher unmounted = new FileModelFetcher(tmp.resolve("later"));
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> unmounted.fetch(release(tmp.resolve("later/m.onnx").toUri().toString(), 11)));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void otherSchemesAndRemoteHostsAreRefusedAndNotRetriable() {
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher.fetch(release("https://example.com/m.onnx", 11)));
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEME);
        assertThat(e.retriable()).isFalse();
        assertThat(failure("file://fileserver/models/m.onnx")).isEqualTo(Reason.INVALID_URI);
    }

    @Test
    void copyRefusesMoreBytesThanTheReleaseDeclaresAndLeavesNothing() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("cache"));
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher.fetchTo(release(root.resolve("m.onnx").toUri().toString(), 5), target, 100));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        ModelFetchException e2 = catchThrowableOfType(ModelFetchException.class,
                () -> fetcher.fetchTo(release(root.resolve("m.onnx").toUri().toString(), 50), target, 100));
        assertThat(e2.reason()).isEqualTo(Reason.TRUNCATED);
        try (var files = Files.list(target)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void unconfinedFetcherServesAnyLocalFile() throws Exception {
        assertThat(new FileModelFetcher().fetch(release(outside.toUri().toString(), 11))).isEqualTo(outside.toRealPath());
    }
}
