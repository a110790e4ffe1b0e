package dev.edgeinfer.cli;

import dev.edgeinfer.cli.bench.ChaosReport;
import dev.edgeinfer.cli.bench.ChaosRun;
import dev.edgeinfer.jobs.config.KafkaJobOptions;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code edgeinfer bench --scenario chaos}: the bench's flags as {@link ChaosRun}'s settings, the
 * report written to {@code --json}, and the exit status (0 only if the run {@linkplain
 * ChaosReport#passed() passed}).
 */
final class ChaosCommand {

    static final String NAME = "chaos";
    /** Readings per second when {@code --rate} is not given: sustained, with headroom for the failover on 2 cores. */
    static final double DEFAULT_RATE = 1_000;
    /** Malformed control records in the flood. */
    static final int CONTROL_FLOOD = 200;

    private ChaosCommand() {}

    static int run(LocalRunOptions local, Double rate, Duration duration, Integer devices, Duration warmup,
            Duration drainTimeout, Path json) throws Exception {
        ChaosReport report = new ChaosRun(new ChaosRun.Settings(rate != null ? rate : DEFAULT_RATE, duration,
                local.parallelism, devices, warmup, drainTimeout, local.workDir, local.seed, CONTROL_FLOOD,
                KafkaJobOptions.CHECKPOINT_INTERVAL.defaultValue()), System.out).run();
        if (json != null) {
            report.writeTo(json);
            System.out.println("  report  " + json.toAbsolutePath());
        }
        return report.passed() ? 0 : 1;
    }
}
