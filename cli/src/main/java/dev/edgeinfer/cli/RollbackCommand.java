package dev.edgeinfer.cli;

import static dev.edgeinfer.cli.ReleaseCommandSupport.REFUSED;

import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ReleaseCommandSupport.CommandFailure;

import org.apache.kafka.clients.producer.RecordMetadata;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer rollback}: re-activates an older version. A rollback is nothing but a new
 * activation of a version already on the control topic, at a new event time.
 */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Rolls a model back to a version already on the control topic: publishes a copy of that",
            "version's newest release with a new activation time (canary 100%%). Records with event time",
            ">= the activation time are scored by it; earlier records keep the versions they had.",
            "Exit code 2 if the version was never published (the versions on the topic are listed)."
        })
final class RollbackCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--model", required = true, description = "Model name, e.g. sensor-anomaly.")
    String model;

    @Option(names = "--to", required = true, description = "The version to go back to, e.g. v1.")
    String to;

    @Option(names = "--activate-in", converter = DurationConverter.class,
            description = "Activate this long after now, in event time (default: 10s). Not with --activate-at.")
    Duration activateIn;

    @Option(names = "--activate-at", converter = ReleaseCommandSupport.InstantConverter.class,
            description = "Activate at this event time, ISO-8601 (e.g. 2026-01-01T00:00:00Z). Not with --activate-in.")
    Instant activateAt;

    @Option(names = "--topic", defaultValue = ModelBroadcast.DEFAULT_CONTROL_TOPIC,
            description = "Control topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long now = System.currentTimeMillis();
        long activationTime = ReleaseCommandSupport.activationTime(cmd, activateIn, activateAt, now);
        try {
            ReleaseCommandSupport.checkControlTopic(bootstrap, topic, err);
            List<ModelRelease> existing = ReleaseCommandSupport.readAll(bootstrap, topic);
            ReleaseTimeline before = ReleaseTimeline.of(existing);
            List<ModelRelease> history = before.activations(model);
            Optional<ModelRelease> target = history.stream()
                    .filter(r -> r.version().equals(to))
                    .reduce((a, b) -> b); // sorted by ModelRelease.ORDER: the last is the newest
            if (target.isEmpty()) {
                TreeSet<String> versions = new TreeSet<>();
                history.forEach(r -> versions.add(r.version()));
                throw new CommandFailure(REFUSED, history.isEmpty()
                        ? "model " + model + " has no releases on " + topic + " (models there: "
                                + (before.models().isEmpty() ? "none" : String.join(", ", before.models())) + ")"
                        : "version " + to + " of " + model + " was never published on " + topic
                                + "; versions there: " + String.join(", ", versions));
            }
            ModelRelease rollback;
            try {
                // Field by field rather than toBuilder(): a copy must not carry the original's
                // signature (if any), which would no longer match the new activation time.
                ModelRelease from = target.get();
                rollback = ModelRelease.builder()
                        .model(from.model()).version(from.version()).sha256(from.sha256()).uri(from.uri())
                        .sizeBytes(from.sizeBytes()).signature(from.signature())
                        .activateAt(activationTime)
                        .canaryPercent(100)
                        .publisher("rollback by " + System.getProperty("user.name", "unknown"))
                        .publishedAt(now)
                        .build();
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(REFUSED, "invalid release: " + e.getMessage());
            }
            String current = ReleaseCommandSupport.winnerAt(before, model, activationTime - 1)
                    .map(r -> ReleaseCommandSupport.describeWinner(r, before))
                    .orElse("(no version)");
            List<ModelRelease> all = new ArrayList<>(existing);
            all.add(rollback);
            ReleaseTimeline after = ReleaseTimeline.of(all);

            out.printf("rollback %s: %s -> %s at %s (%s)%n", model, current, to, rollback.activateAtIso(),
                    ReleaseCommandSupport.relative(rollback.activateAt(), now));
            out.printf("  %s is sha256 %s..., %s (copied from release %s, published by %s)%n", to,
                    rollback.sha256().substring(0, 12), rollback.uri(), target.get().releaseId(), target.get().publisher());
            for (ModelRelease later : history) {
                if (later.activateAt() > rollback.activateAt()) {
                    out.printf("  note: %s stays scheduled at %s and will take over from this rollback then%n",
                            ReleaseCommandSupport.describeWinner(later, after), later.activateAtIso());
                }
            }
            out.flush();
            RecordMetadata written = ReleaseCommandSupport.publish(bootstrap, topic, rollback);
            out.printf("published %s (partition %d, offset %d)%n", rollback.releaseId(), written.partition(), written.offset());
            ReleaseCommandSupport.printTimeline(out, after, model, rollback, System.currentTimeMillis());
            out.flush();
            return CommandLine.ExitCode.OK;
        } catch (CommandFailure e) {
            err.println("edgeinfer rollback: " + e.getMessage());
            err.flush();
            return e.exitCode;
        }
    }
}
