package dev.edgeinfer.cli.bench;

/**
 * One output matched to the input that completed it.
 *
 * @param offsetMicros intended send time of that input, microseconds after the phase started
 * @param latencyMicros output readable by a consumer minus the input's intended send time
 * @param eventTimeMs the input's event time (epoch ms), the time model versions are chosen by
 * @param version the model version that produced the output, or {@code null} (pass-through)
 * @param key the output's key (device), for checks against the release timeline
 */
public record LatencySample(long offsetMicros, long latencyMicros, long eventTimeMs, String version, String key) {}
