package dev.edgeinfer.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * What docker/Dockerfile copies is what the Maven build writes: every COPY source is an output of
 * the jobs module's build (the shaded job jar, the jars for /opt/flink/lib), the job jar lands
 * where the Helm chart's jarURI points, the parent-first patterns of the image and the chart cover
 * every class in the lib jars, and the base image is the Flink version the build compiles
 * against. Runs after {@code package}, with the integration tests.
 */
class DockerfileTest {

    private static final Pattern ARG = Pattern.compile("^ARG\\s+([A-Z_]+)(?:=(\\S*))?\\s*$");
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+(\\S+)\\s*$");
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Z_]+)}");

    private static Map<String, String> args;
    private static Map<String, String> copies;
    private static String dockerfile;

    @BeforeAll
    static void parseDockerfile() throws IOException {
        dockerfile = Files.readString(RepositoryFiles.resolve("docker/Dockerfile"));
        args = new LinkedHashMap<>();
        copies = new LinkedHashMap<>();
        for (String line : dockerfile.lines().map(String::strip).toList()) {
            Matcher arg = ARG.matcher(line);
            if (arg.matches()) {
                args.put(arg.group(1), arg.group(2) == null ? "" : arg.group(2));
            }
            Matcher copy = COPY.matcher(line);
            if (copy.matches()) {
                copies.put(expand(copy.group(1)), expand(copy.group(2)));
            }
        }
    }

    @Test
    void copiesExactlyTheJobJarAndTheLibJarsTheBuildWrites() {
        assertThat(copies)
                .containsOnlyKeys("jobs/target/edgeinfer.jar", "jobs/target/docker-lib/")
                .containsEntry("jobs/target/edgeinfer.jar", "/opt/flink/usrlib/edgeinfer.jar")
                .containsEntry("jobs/target/docker-lib/", "/opt/flink/lib/");
        Path jobJar = Path.of(System.getProperty("edgeinfer.jobJar", "target/edgeinfer.jar"))
                .toAbsolutePath()
                .normalize();
        assertThat(jobJar)
                .isEqualTo(RepositoryFiles.resolve("jobs/target/edgeinfer.jar"))
                .isRegularFile();
    }

    @Test
    void theLibJarsAreOnnxRuntimeDjlAndTheirRuntimeDependenciesAtTheBuildsVersions() throws IOException {
        String ortJar = Path.of(OrtEnvironment.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath())
                .getFileName()
                .toString();
        assertThat(libJarNames())
                .contains(ortJar)
                .allMatch(
                        n -> n.matches("(onnxruntime|onnxruntime-engine|api|gson|jna)-[0-9][^/]*\\.jar"),
                        "ORT, DJL, gson, JNA")
                .anySatisfy(n -> assertThat(n).startsWith("onnxruntime-engine-"))
                .anySatisfy(n -> assertThat(n).startsWith("api-"));
    }

    @Test
    void theBuildContextLetsThroughWhatTheDockerfileCopies() throws IOException {
        List<String> ignore = Files.readAllLines(RepositoryFiles.resolve("docker/Dockerfile.dockerignore")).stream()
                .map(String::strip)
                .filter(l -> l.startsWith("!"))
                .map(l -> l.substring(1))
                .toList();
        assertThat(ignore).containsExactlyInAnyOrderElementsOf(copies.keySet());
    }

    @Test
    void theChartsJarUriIsWhereTheJobJarLands() throws IOException {
        String helpers = Files.readString(RepositoryFiles.resolve("helm/edgeinfer/templates/_helpers.tpl"));
        Matcher m = Pattern.compile("define \"edgeinfer.jarURI\" -}}local://(\\S+?)\\{\\{")
                .matcher(helpers);
        assertThat(m.find()).as("edgeinfer.jarURI in _helpers.tpl").isTrue();
        assertThat(m.group(1)).isEqualTo(copies.get("jobs/target/edgeinfer.jar"));
    }

    @Test
    void parentFirstPatternsOfImageAndChartAreTheSameAndCoverEveryLibClassOfOrtAndDjl() throws IOException {
        String image = value(dockerfile, "-Dclassloader.parent-first-patterns.additional=([^\"]+)\"");
        String chart = value(
                Files.readString(RepositoryFiles.resolve("helm/edgeinfer/templates/_helpers.tpl")),
                "\"classloader.parent-first-patterns.additional\" \"([^\"]+)\"");
        assertThat(chart).isEqualTo(image);
        List<String> patterns = List.of(image.split(";"));
        List<String> uncovered = new ArrayList<>();
        for (Path jar : libJars()) {
            String name = jar.getFileName().toString();
            if (!(name.startsWith("onnxruntime") || name.startsWith("api-"))) {
                continue; // gson, JNA: dependencies of DJL, resolved from lib because DJL is
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                file.stream()
                        .map(ZipEntry::getName)
                        .filter(e -> e.endsWith(".class") && !e.contains("module-info") && !e.startsWith("META-INF/"))
                        .map(e -> e.replace('/', '.'))
                        .filter(c -> patterns.stream().noneMatch(c::startsWith))
                        .forEach(uncovered::add);
            }
        }
        assertThat(uncovered).as("classes in lib jars not loaded parent-first").isEmpty();
    }

    @Test
    void baseImageIsTheFlinkVersionTheBuildCompilesAgainst() {
        String flinkVersion = System.getProperty("edgeinfer.flinkVersion", "2.2.1");
        assertThat(args.get("FLINK_IMAGE")).isEqualTo("flink:" + flinkVersion + "-scala_2.12-java17");
        assertThat(dockerfile).contains("FROM ${FLINK_IMAGE}").contains("\nUSER flink\n");
        assertThat(dockerfile.strip()).endsWith("USER flink");
    }

    private static String expand(String s) {
        Matcher m = VAR.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            assertThat(args).as("ARG %s declared before use", m.group(1)).containsKey(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(args.get(m.group(1))));
        }
        return m.appendTail(out).toString();
    }

    private static String value(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return m.group(1);
    }

    private static List<Path> libJars() throws IOException {
        Path dir = RepositoryFiles.resolve("jobs/target/docker-lib");
        assertThat(dir).as("jars for /opt/flink/lib (built by `mvn package`)").isDirectory();
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    private static TreeSet<String> libJarNames() throws IOException {
        return libJars().stream().map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
}
