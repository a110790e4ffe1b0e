package dev.edgeinfer.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What both demos report alike ({@link SensorDemoReport}, {@link FrameDemoReport}): the counts
 * every input and output is checked against, latency, the rollover checked against the release
 * timeline, status counts, the verdict, and the JSON file it is written to.
 */
public interface DemoReport {

    /** Indented JSON, the form of {@code --report} files. */
    ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    long inputs();

    long results();

    long duplicates();

    long lost();

    long deadLettered();

    long malformedInjected();

    Map<String, Long> perVersion();

    /** End-to-end latency over the whole run, the start included: what a user sees. */
    LatencyMs latencyMs();

    /** The same for inputs produced in the first {@value #FIRST_SECONDS} s of the run. */
    LatencyMs latencyMsFirst5s();

    /** The same for inputs produced after the first {@value #FIRST_SECONDS} s. */
    LatencyMs latencyMsSteady();

    Map<String, Long> deadLetterReasons();

    /** The v1 → v2 switch, or null without rollover. */
    Rollover rollover();

    Map<String, Long> statusCounts();

    /** How long the start of a run is, for {@link #latencyMsFirst5s()}. */
    int FIRST_SECONDS = 5;

    /** Whether the run passed: the demo's exit code is 0 exactly when this holds. */
    boolean ok();

    /** Writes the report as indented JSON, creating the parent directories. */
    default void writeTo(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    /** Four decimals, enough for ratios in a report. */
    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /**
     * The switch from one version to the next, checked against the release timeline.
     *
     * @param model the model rolled over
     * @param fromVersion the version serving before
     * @param toVersion the version serving after
     * @param activateAt the activation's event time (epoch ms)
     * @param activateAtIso the same, readable
     * @param maxEventTimeOld the newest window event time scored by {@code fromVersion}
     * @param minEventTimeNew the oldest window event time scored by {@code toVersion}
     * @param misrouted results whose version differs from what the timeline assigns their event time
     * @param p99WindowMs end-to-end p99 of windows with event time within 2.5 s of the switch
     * @param p99SteadyMs end-to-end p99 of all other windows (after the first 5 s of warm-up)
     * @param leadSeconds how far ahead of the switch the release was published
     */
    public record Rollover(
            String model,
            String fromVersion,
            String toVersion,
            long activateAt,
            String activateAtIso,
            Long maxEventTimeOld,
            Long minEventTimeNew,
            long misrouted,
            double p99WindowMs,
            double p99SteadyMs,
            double leadSeconds) {}

    /** Latency percentiles in milliseconds. */
    public record LatencyMs(double p50, double p99, double max, long samples) {}
}
