package dev.edgeinfer.benchmarks;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every EdgeInfer benchmark shares, in one place so they cannot drift apart:
 * average time per call, 3 warm-up and 5 measured one-second iterations in one fork. JMH's
 * class-level annotations are inherited, so a benchmark extends this and states only its own
 * time unit, state scope and parameters. The fork runs with DJL's telemetry and downloads off,
 * as the pipeline does.
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true"})
public abstract class BenchmarkDefaults {}
