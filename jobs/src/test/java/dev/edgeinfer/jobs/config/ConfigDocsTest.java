package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** The README's configuration tables, one per job, are generated from the option declarations. */
class ConfigDocsTest {

    enum Table {
        SENSOR(ConfigDocs.BEGIN_MARKER, ConfigDocs.END_MARKER, ConfigDocs::markdownTable, SensorJobOptions::all,
                "./edgeinfer config-docs"),
        FRAMES(ConfigDocs.FRAME_BEGIN_MARKER, ConfigDocs.FRAME_END_MARKER, ConfigDocs::frameMarkdownTable,
                FrameJobOptions::all, "./edgeinfer config-docs --frames");

        final String begin;
        final String end;
        final Supplier<String> generated;
        final Supplier<List<ConfigOption<?>>> options;
        final String regenerate;

        Table(String begin, String end, Supplier<String> generated, Supplier<List<ConfigOption<?>>> options,
                String regenerate) {
            this.begin = begin;
            this.end = end;
            this.generated = generated;
            this.options = options;
            this.regenerate = regenerate;
        }
    }

    private static Path readme() {
        // Surefire runs in the module directory; the README is at the repository root.
        Path here = Path.of("").toAbsolutePath();
        Path candidate = here.resolve("README.md");
        return Files.exists(candidate) ? candidate : here.getParent().resolve("README.md");
    }

    @ParameterizedTest
    @EnumSource(Table.class)
    void readmeTableIsExactlyTheOneGeneratedFromTheOptionDeclarations(Table table) throws Exception {
        String readme = Files.readString(readme());
        int begin = readme.indexOf(table.begin);
        int end = readme.indexOf(table.end);
        assertThat(begin).as("README must contain %s", table.begin).isNotNegative();
        assertThat(end).as("README must contain %s", table.end).isGreaterThan(begin);
        String embedded = readme.substring(begin + table.begin.length(), end).strip();
        assertThat(embedded)
                .as("README %s table is stale: regenerate it with %s", table, table.regenerate)
                .isEqualTo(table.generated.get().strip());
    }

    @ParameterizedTest
    @EnumSource(Table.class)
    void everyOptionHasADescriptionAUniqueKeyAndAppearsInTheTable(Table table) {
        String generated = table.generated.get();
        Set<String> keys = new HashSet<>();
        for (ConfigOption<?> option : table.options.get()) {
            assertThat(option.description().getBlocks()).as(option.key()).isNotEmpty();
            assertThat(generated).contains("| `" + option.key() + "` |");
            assertThat(keys.add(option.key())).as("duplicate key %s", option.key()).isTrue();
        }
    }

    @Test
    void theSensorJobHasMoreThanTwentyOptions() {
        assertThat(SensorJobOptions.all()).hasSizeGreaterThan(20);
    }
}
