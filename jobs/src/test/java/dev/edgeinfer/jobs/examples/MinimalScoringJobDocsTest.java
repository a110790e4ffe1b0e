package dev.edgeinfer.jobs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class MinimalScoringJobDocsTest {

    private static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("docs")) ? here : here.getParent();
    }

    @Test
    void docsShowExactlyTheCompiledExampleJob() throws Exception {
        String source = Files.readString(repo().resolve("jobs/src/main/java/dev/edgeinfer/jobs/examples/MinimalScoringJob.java"));
        String example = source.substring(source.indexOf("// example:begin\n") + "// example:begin\n".length(),
                source.indexOf("// example:end"));
        String doc = Files.readString(repo().resolve("docs/library.md"));
        assertThat(doc).as("docs/library.md must embed MinimalScoringJob verbatim").contains("```java\n" + example + "```");
    }
}
