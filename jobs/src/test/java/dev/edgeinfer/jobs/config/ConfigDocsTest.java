package dev.edgeinfer.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The README's configuration tables, one per job, are generated from the option declarations. */
class ConfigDocsTest {

    /** One README table: its markers, what generates it, the options it documents, how to regenerate it. */
    record Table(String name, String begin, String end, Supplier<String> generated,
            Supplier<List<ConfigOption<?>>> options, String regenerate) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Table> tables() {
        return Stream.of(
                new Table("sensor", ConfigDocs.BEGIN_MARKER, ConfigDocs.END_MARKER, ConfigDocs::markdownTable,
                        SensorJobOptions::all, "./edgeinfer config-docs"),
                new Table("frames", ConfigDocs.FRAME_BEGIN_MARKER, ConfigDocs.FRAME_END_MARKER,
                        ConfigDocs::frameMarkdownTable, FrameJobOptions::all, "./edgeinfer config-docs --frames"),
                new Table("controller", ConfigDocs.CONTROLLER_BEGIN_MARKER, ConfigDocs.CONTROLLER_END_MARKER,
                        ConfigDocs::controllerMarkdownTable, ControllerJobOptions::all,
                        "./edgeinfer config-docs --controller"));
    }

    private static Path readme() {
        // Surefire runs in the module directory; the README is at the repository root.
        Path here = Path.of("").toAbsolutePath();
        Path candidate = here.resolve("README.md");
        return Files.exists(candidate) ? candidate : here.getParent().resolve("README.md");
    }

    @ParameterizedTest
    @MethodSource("tables")
    void readmeTableIsExactlyTheOneGeneratedFromTheOptionDeclarations(Table table) throws Exception {
        String readme = Files.readString(readme());
        int begin = readme.indexOf(table.begin());
        int end = readme.indexOf(table.end());
        assertThat(begin).as("README must contain %s", table.begin()).isNotNegative();
        assertThat(end).as("README must contain %s", table.end()).isGreaterThan(begin);
        String embedded = readme.substring(begin + table.begin().length(), end).strip();
        assertThat(embedded)
                .as("README %s table is stale: regenerate it with %s", table, table.regenerate())
                .isEqualTo(table.generated().get().strip());
    }

    @ParameterizedTest
    @MethodSource("tables")
    void everyOptionHasADescriptionAUniqueKeyAndAppearsInTheTable(Table table) {
        String generated = table.generated().get();
        Set<String> keys = new HashSet<>();
        for (ConfigOption<?> option : table.options().get()) {
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
