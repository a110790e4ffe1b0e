package dev.edgeinfer.broadcast.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.fetch.ModelFetchException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

class SchemeModelFetcherTest {

    @TempDir
    Path dir;

    private SchemeModelFetcher fetcher() {
        return SchemeModelFetcher.builder()
                .file(dir)
                .http(new HttpModelFetcher(dir, 1000, Duration.ofSeconds(1), Duration.ofSeconds(1), java.util.Set.of("x")))
                .kafkaBlob(new KafkaBlobFetcher("127.0.0.1:1", BlobTopic.DEFAULT_TOPIC, dir, 1000, Duration.ofSeconds(1)))
                .build();
    }

    @Test
    void dispatchesByScheme() throws Exception {
        Path model = Files.writeString(dir.resolve("m.onnx"), "bytes");
        ModelRelease r = Releases.release("m", "v1", 0).uri(model.toUri().toString().replace("file:", "FILE:")).sizeBytes(5).build();
        assertThat(fetcher().fetch(r)).isEqualTo(model.toRealPath());
        assertThat(fetcher().schemes()).containsExactly("file", "http", "https", "kafka-blob");
        assertThat(fetcher().fetcherFor("https://x/y")).isInstanceOf(HttpModelFetcher.class);
        assertThat(fetcher().fetcherFor("kafka-blob:" + r.sha256())).isInstanceOf(KafkaBlobFetcher.class);
    }

    @Test
    void unknownSchemeIsRefusedAndNotRetriable() {
        ModelRelease r = Releases.release("m", "v1", 0).uri("s3://bucket/m.onnx").build();
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class, () -> fetcher().fetch(r));
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SCHEME);
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains("s3").contains("kafka-blob");
    }

    @Test
    void kafkaBlobUriMustNameTheReleasesSha256() throws Exception {
        KafkaBlobFetcher blobs = new KafkaBlobFetcher("127.0.0.1:1", "t", dir, 1000, Duration.ofSeconds(1));
        ModelRelease r = Releases.release("m", "v1", 0).build();
        assertThat(blobs.topicOf(r.toBuilder().uri("kafka-blob:" + r.sha256()).build())).isEqualTo("t");
        assertThat(blobs.topicOf(r.toBuilder().uri(BlobTopic.uri("edge.models.blobs-2", r.sha256())).build()))
                .isEqualTo("edge.models.blobs-2");
        ModelFetchException e = catchThrowableOfType(ModelFetchException.class,
                () -> blobs.topicOf(r.toBuilder().uri("kafka-blob:" + Releases.sha("other")).build()));
        assertThat(e.reason()).isEqualTo(Reason.INVALID_URI);
    }

    @Test
    void blobTopicKeysAreFixedWidthAndPartitionsStable() {
        String sha = Releases.sha("x");
        assertThat(BlobTopic.chunkKey(sha, 3)).isEqualTo(sha + "/00000003");
        assertThat(BlobTopic.partitionFor("ffffffff" + sha.substring(8), 6)).isEqualTo((int) (0xffffffffL % 6));
        assertThat(BlobTopic.partitionFor("00000007" + sha.substring(8), 6)).isEqualTo(1);
    }
}
