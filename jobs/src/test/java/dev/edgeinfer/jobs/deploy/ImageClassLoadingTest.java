package dev.edgeinfer.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.util.FlinkUserCodeClassLoaders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The image's class-loading layout works the way docker/README.md says: with the jars of
 * {@code jobs/target/docker-lib} on Flink's system class path (the image's /opt/flink/lib) and the
 * Dockerfile's {@code classloader.parent-first-patterns.additional}, two user-code class loaders
 * over the job jar (two jobs, or a job restarted in a new class loader, on one TaskManager) share
 * one DJL engine and one ONNX Runtime environment: the native library is loaded once per JVM. It
 * also pins down why DJL goes to lib with ONNX Runtime: ONNX Runtime alone parent-first makes the
 * second class loader's DJL engine fail. Uses Flink's own child-first class loader. Runs after
 * {@code package}, with the integration tests.
 */
class ImageClassLoadingTest {

    private static URL jobJar;
    private static List<Path> libJars;
    private static String[] imagePatterns;

    @BeforeAll
    static void readImageLayout() throws IOException {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        jobJar = RepositoryFiles.resolve("jobs/target/edgeinfer.jar").toUri().toURL();
        try (Stream<Path> list = Files.list(RepositoryFiles.resolve("jobs/target/docker-lib"))) {
            libJars = list.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        Matcher m = Pattern.compile("-Dclassloader\\.parent-first-patterns\\.additional=([^\"]+)\"")
                .matcher(Files.readString(RepositoryFiles.resolve("docker/Dockerfile")));
        assertThat(m.find()).isTrue();
        imagePatterns = m.group(1).split(";");
    }

    @Test
    void twoUserCodeClassLoadersShareOneDjlEngineAndOneOrtEnvironment() throws Exception {
        ClassLoader lib = systemClassPath(p -> true);
        Object[] first = engineAndEnvironment(userCodeLoader(lib, imagePatterns));
        Object[] second = engineAndEnvironment(userCodeLoader(lib, imagePatterns));

        assertThat(second[0]).as("DJL engine").isSameAs(first[0]);
        assertThat(second[1]).as("OrtEnvironment").isSameAs(first[1]);
        assertThat(first[1].getClass().getClassLoader())
                .as("loader of ONNX Runtime")
                .isSameAs(lib);
        assertThat(first[0].getClass().getClassLoader())
                .as("loader of DJL's engine")
                .isSameAs(lib);
    }

    @Test
    void onnxRuntimeAloneParentFirstBreaksTheSecondDjlEngine() throws Exception {
        ClassLoader lib = systemClassPath(p -> p.getFileName().toString().matches("onnxruntime-[0-9].*"));
        String[] ortOnly = {"ai.onnxruntime."};
        engineAndEnvironment(userCodeLoader(lib, ortOnly));

        assertThatThrownBy(() -> engineAndEnvironment(userCodeLoader(lib, ortOnly)))
                .rootCause()
                .hasMessageContaining("OrtEnvironment");
    }

    /** The TaskManager's system class path: SLF4J (Flink's lib has it) plus the selected lib jars. */
    private static ClassLoader systemClassPath(Predicate<Path> libJar) throws IOException {
        List<URL> urls = new ArrayList<>();
        urls.add(org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation());
        for (Path jar : libJars) {
            if (libJar.test(jar)) {
                urls.add(jar.toUri().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    /** A user-code class loader as a TaskManager creates one: child-first, Flink's default patterns plus ours. */
    private static ClassLoader userCodeLoader(ClassLoader parent, String[] additional) {
        List<String> patterns = new ArrayList<>(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS.defaultValue());
        patterns.addAll(List.of(additional));
        return FlinkUserCodeClassLoaders.childFirst(
                new URL[] {jobJar}, parent, patterns.toArray(String[]::new), t -> {}, false);
    }

    /** Starts DJL's ONNX Runtime engine in the given loader, as the jobs do; returns it and the OrtEnvironment. */
    private static Object[] engineAndEnvironment(ClassLoader loader) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Object engine = Class.forName("ai.djl.engine.Engine", true, loader)
                    .getMethod("getEngine", String.class)
                    .invoke(null, "OnnxRuntime");
            Object environment = Class.forName("ai.onnxruntime.OrtEnvironment", true, loader)
                    .getMethod("getEnvironment")
                    .invoke(null);
            return new Object[] {engine, environment};
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
