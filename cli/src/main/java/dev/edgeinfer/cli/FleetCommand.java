package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.cli.fleet.CensusOutput;
import dev.edgeinfer.cli.fleet.CensusReader;
import dev.edgeinfer.cli.fleet.FleetCensus;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer fleet}: the census of sites x jobs x models from the status and control topics
 * alone (read from the beginning): serving version, heartbeat age, records/s, errors, p99, anomaly
 * rate and the STALE / SILENT / PROBLEMATIC / DIVERGENT flags ({@link FleetCensus}).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = {
    "Which version runs where, and how it is doing: reads the status and control topics from the beginning.",
    "Flags: STALE (not on the newest release for the site), SILENT (no heartbeat), PROBLEMATIC (deprecated",
    "version or error rate over the policy), DIVERGENT (score distribution far from the fleet's, PSI)."})
final class FleetCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--status-topic", defaultValue = ModelBroadcast.DEFAULT_STATUS_TOPIC, description = "Default: ${DEFAULT-VALUE}.")
    String statusTopic;

    @Option(names = "--control-topic", defaultValue = ModelBroadcast.DEFAULT_CONTROL_TOPIC, description = "Default: ${DEFAULT-VALUE}.")
    String controlTopic;

    @Option(names = "--json", description = "Print the census as JSON (docs/fleet.md): rows and skipped records.")
    boolean json;

    @Option(names = "--watch", description = "Keep reading and print the census again every --interval.")
    boolean watch;

    @Option(names = "--interval", defaultValue = "2s", converter = DurationConverter.class, description = "Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(names = "--silent-after", defaultValue = "60s", converter = DurationConverter.class,
            description = "SILENT after this long without a heartbeat (default: ${DEFAULT-VALUE}).")
    Duration silentAfter;

    @Option(names = "--stale-releases", defaultValue = "1",
            description = "STALE when this many releases for the site behind (default: ${DEFAULT-VALUE}).")
    int staleReleases;

    @Option(names = "--stale-after", defaultValue = "1d", converter = DurationConverter.class,
            description = "STALE also when behind this long, in event time (default: ${DEFAULT-VALUE}).")
    Duration staleAfter;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        FleetCensus.Policy defaults = FleetCensus.Policy.DEFAULTS;
        FleetCensus census = new FleetCensus(new FleetCensus.Policy(silentAfter, defaults.maxErrorRate(),
                defaults.maxPsi(), staleReleases, staleAfter, defaults.keepReleasesPerTarget()));
        try (CensusReader reader = new CensusReader(bootstrap, statusTopic, controlTopic, census)) {
            if (!reader.catchUp(Duration.ofSeconds(60))) {
                spec.commandLine().getErr().println("fleet: the topics were not read to their end within 60 s;"
                        + " the census below is partial");
            }
            do {
                print(out, census, System.currentTimeMillis());
                if (watch) {
                    long until = System.nanoTime() + interval.toNanos();
                    while (System.nanoTime() < until) {
                        reader.poll(Duration.ofMillis(200));
                    }
                }
            } while (watch);
        }
        return 0;
    }

    private void print(PrintWriter out, FleetCensus census, long now) {
        List<FleetCensus.Row> rows = census.rows(now);
        if (json) {
            out.println(CensusOutput.json(rows, census.skipped(), now).toString());
        } else {
            if (watch) {
                out.print("\033[H\033[2J");
            }
            CensusOutput.table(out, rows, census.skipped());
        }
        out.flush();
    }
}
