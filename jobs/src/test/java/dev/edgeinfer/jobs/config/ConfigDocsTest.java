package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class ConfigDocsTest {

    private static Path readme() {
        // Surefire runs in the module directory; the README is at the repository root.
        Path here = Path.of("").toAbsolutePath();
        Path candidate = here.resolve("README.md");
        return Files.exists(candidate) ? candidate : here.getParent().resolve("README.md");
    }

    @Test
    void readmeConfigurationTableIsExactlyTheOneGeneratedFromTheOptionDeclarations() throws Exception {
        String readme = Files.readString(readme());
        int begin = readme.indexOf(ConfigDocs.BEGIN_MARKER);
        int end = readme.indexOf(ConfigDocs.END_MARKER);
        assertThat(begin).as("README must contain %s", ConfigDocs.BEGIN_MARKER).isNotNegative();
        assertThat(end).as("README must contain %s", ConfigDocs.END_MARKER).isGreaterThan(begin);
        String embedded = readme.substring(begin + ConfigDocs.BEGIN_MARKER.length(), end).strip();
        assertThat(embedded)
                .as("README table is stale: regenerate it with ./edgeinfer config-docs")
                .isEqualTo(ConfigDocs.markdownTable().strip());
    }

    @Test
    void everyOptionHasADescriptionAndAppearsInTheTable() {
        String table = ConfigDocs.markdownTable();
        for (ConfigOption<?> option : SensorJobOptions.all()) {
            assertThat(option.description().getBlocks()).as(option.key()).isNotEmpty();
            assertThat(table).contains("| `" + option.key() + "` |");
        }
        assertThat(SensorJobOptions.all()).hasSizeGreaterThan(20);
    }
}
