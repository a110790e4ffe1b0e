package dev.edgeinfer.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The options {@code demo} and {@code bench} share (a picocli mixin): how the local job runs,
 * where models go, the simulated data's seed, and the v1 → v2 rollover mid-run.
 */
final class LocalRunOptions {

    @Option(names = "--parallelism", defaultValue = "2",
            description = "Flink parallelism (bench: also the bare-ORT threads) (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--work-dir", description = "Where models are built and cached (default: a temporary directory).")
    Path workDir;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-rollover", description = "Serve v1 throughout instead of publishing v2 mid-run.")
    boolean noRollover;

    @Option(names = "--rollover-lead", defaultValue = "10s", converter = DurationConverter.class,
            description = "How far ahead of the switch (at half the duration) v2 is published "
                    + "(default: ${DEFAULT-VALUE}; at most half the duration).")
    Duration rolloverLead;
}
