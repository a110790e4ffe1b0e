package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class FrameConfigDocsTest {

    private static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        Path candidate = here.resolve("README.md");
        return Files.exists(candidate) ? candidate : here.getParent().resolve("README.md");
    }

    @Test
    void readmeFrameTableIsExactlyTheOneGeneratedFromTheOptionDeclarations() throws Exception {
        String readme = Files.readString(readme());
        int begin = readme.indexOf(ConfigDocs.FRAME_BEGIN_MARKER);
        int end = readme.indexOf(ConfigDocs.FRAME_END_MARKER);
        assertThat(begin).as("README must contain %s", ConfigDocs.FRAME_BEGIN_MARKER).isNotNegative();
        assertThat(end).isGreaterThan(begin);
        assertThat(readme.substring(begin + ConfigDocs.FRAME_BEGIN_MARKER.length(), end).strip())
                .as("README frame table is stale: regenerate it with ./edgeinfer config-docs --frames")
                .isEqualTo(ConfigDocs.frameMarkdownTable().strip());
    }

    @Test
    void everyFrameOptionIsDocumentedAndKeysAreUnique() {
        String table = ConfigDocs.frameMarkdownTable();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (ConfigOption<?> option : FrameJobOptions.all()) {
            assertThat(option.description().getBlocks()).as(option.key()).isNotEmpty();
            assertThat(table).contains("| `" + option.key() + "` |");
            assertThat(keys.add(option.key())).as("duplicate key %s", option.key()).isTrue();
        }
    }

    @Test
    void configIsValidatedNamingTheKey() {
        Configuration conf = new Configuration();
        conf.setString("kafka.bootstrap-servers", "localhost:9092");
        FrameJobConfig config = FrameJobConfig.from(conf);
        assertThat(config.framesTopic()).isEqualTo("edge.video.frames");
        assertThat(config.modelName()).isEqualTo("frame-classifier");
        assertThat(config.topK()).isEqualTo(3);
        assertThat(config.model()).isNull();
        conf.setString("frames.top-k", "0");
        assertThatThrownBy(() -> FrameJobConfig.from(conf)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("frames.top-k");
        conf.setString("frames.top-k", "2");
        conf.setString("frames.resise", "AREA");
        assertThatThrownBy(() -> FrameJobConfig.from(conf)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("frames.resise");
    }
}
