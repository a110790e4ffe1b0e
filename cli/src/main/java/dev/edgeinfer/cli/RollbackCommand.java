package dev.edgeinfer.cli;

import static dev.edgeinfer.cli.ReleaseCommandSupport.REFUSED;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ReleaseCommandSupport.CommandFailure;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer rollback}: re-activates an older version. A rollback is nothing but a new
 * activation of a version already on the control topic, at a new event time.
 */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Rolls a model back to a version already on the control topic.",
            "Publishes a copy of that version's newest release with a new activation time (canary 100%%).",
            "Records with event time >= the activation time are scored by it; earlier records keep the",
            "versions they had.",
            "Exit code 2 if the version was never published (the versions on the topic are listed)."
        })
final class RollbackCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ReleaseCommandSupport.ReleaseTarget target;

    @Option(names = "--to", required = true, description = "The version to go back to, e.g. v1.")
    String to;

    /**
     * The rollback to {@code from}'s version: its bytes, URI, declared I/O signature, metadata and
     * variants, for every key and site, activating at {@code activateAt}; unsigned (the original's
     * release signature covers its own activation time, not this one).
     */
    static ModelRelease rollbackOf(ModelRelease from, long activateAt, String publisher, long now) {
        return PromoteCommand.promoted(from, activateAt, ReleaseTarget.ALL, publisher, now);
    }

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        String model = target.model;
        String topic = target.topic;
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long now = System.currentTimeMillis();
        long activationTime = target.activationTime(cmd, now);
        return ReleaseCommandSupport.exitCode("rollback", err, () -> {
            List<ModelRelease> existing = target.readTimeline(err);
            ReleaseTimeline before = ReleaseTimeline.of(existing);
            List<ModelRelease> history = before.activations(model);
            Optional<ModelRelease> chosen = Optional.of(ReleaseCommandSupport.newest(before, model, to, topic));
            ModelRelease rollback;
            try {
                rollback = rollbackOf(chosen.get(), activationTime,
                        "rollback by " + System.getProperty("user.name", "unknown"), now);
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
                    rollback.sha256().substring(0, 12), rollback.uri(), chosen.get().releaseId(), chosen.get().publisher());
            for (ModelRelease later : history) {
                if (later.activateAt() > rollback.activateAt()) {
                    out.printf("  note: %s stays scheduled at %s and will take over from this rollback then%n",
                            ReleaseCommandSupport.describeWinner(later, after), later.activateAtIso());
                }
            }
            out.flush();
            target.publishAndShow(out, rollback, after);
        });
    }
}
