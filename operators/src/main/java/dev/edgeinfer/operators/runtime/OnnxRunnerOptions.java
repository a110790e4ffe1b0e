package dev.edgeinfer.operators.runtime;

import java.io.Serializable;
import java.util.Objects;

/**
 * ONNX Runtime session settings for one model runner.
 *
 * <p>Defaults are the ones measured best on small edge boxes: one intra-op and one inter-op
 * thread per session (parallelism comes from Flink subtasks, one per core; more intra-op threads
 * gave no gain and p99 spikes of hundreds of ms on 2 cores) and full graph optimisation.
 *
 * @param intraOpThreads threads ONNX Runtime uses inside one operator
 * @param interOpThreads threads ONNX Runtime uses across independent operators
 * @param optLevel graph optimisation level: NO_OPT, BASIC_OPT, EXTENDED_OPT or ALL_OPT
 * @param warmupRuns predictions run at load time so the first real record is not slow
 */
public record OnnxRunnerOptions(int intraOpThreads, int interOpThreads, String optLevel, int warmupRuns)
        implements Serializable {

    public static final OnnxRunnerOptions DEFAULTS = new OnnxRunnerOptions(1, 1, "ALL_OPT", 3);

    public OnnxRunnerOptions {
        Objects.requireNonNull(optLevel, "optLevel");
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException(
                    "ONNX Runtime thread counts must be >= 1, got intra-op " + intraOpThreads
                            + ", inter-op " + interOpThreads);
        }
        if (!java.util.Set.of("NO_OPT", "BASIC_OPT", "EXTENDED_OPT", "ALL_OPT").contains(optLevel)) {
            throw new IllegalArgumentException(
                    "ONNX Runtime optLevel must be NO_OPT, BASIC_OPT, EXTENDED_OPT or ALL_OPT, got '"
                            + optLevel + "'");
        }
        if (warmupRuns < 0) {
            throw new IllegalArgumentException("warmupRuns must be >= 0, got " + warmupRuns);
        }
    }
}
