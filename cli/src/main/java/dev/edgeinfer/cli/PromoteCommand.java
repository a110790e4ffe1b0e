package dev.edgeinfer.cli;

import static dev.edgeinfer.cli.ReleaseCommandSupport.REFUSED;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer promote}: widens a canary or a site wave of a version to a full activation
 * (every key, every site, or the next wave's sites) at a new event time. Like a rollback, a
 * promotion is a new activation of bytes already on the control topic.
 */
@Command(
        name = "promote",
        description = {
            "Widens a canary or a site-scoped release of a version to a full activation at a new event time.",
            "Publishes a copy of that version's newest release (same bytes, URI and metadata) with canary 100%%,",
            "for every site, or for the sites given with --sites / --site-label (the next wave).",
            "Records with event time >= the activation time are scored by it; earlier records keep their versions.",
            "Exit code 2 if the version was never published or is already fully active for those sites."
        })
final class PromoteCommand implements Callable<Integer> {

    @Option(names = "--version", required = true, description = "The version to promote, e.g. v3.")
    String version;

    @Mixin ReleaseCommandSupport.ReleaseTarget target;

    @Mixin SiteTargetOptions sites;

    @Spec CommandSpec spec;

    @Option(names = "--sign-key", description = "Ed25519 private key to sign the promotion with (as for publish).")
    Path signKey;

    @Option(names = "--publisher", defaultValue = "promote by ${sys:user.name}",
            description = "Who promotes, for the audit trail (default: ${DEFAULT-VALUE}).")
    String publisher;

    // Not mixinStandardHelpOptions: its -V/--version would clash with the release's --version.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /**
     * The promotion of {@code from}: the same bytes, URI, signature and metadata, for every key of
     * {@code scope}, activating at {@code activateAt}, serving (a shadow is promoted to serve);
     * unsigned (sign it again).
     */
    static ModelRelease promoted(ModelRelease from, long activateAt, ReleaseTarget scope, String publisher, long now) {
        return from.toBuilder()
                .unsigned()
                .activateAt(activateAt)
                .canaryPercent(100)
                .shadow(false)
                .targets(scope)
                .publisher(publisher)
                .publishedAt(now)
                .build();
    }

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        String model = target.model;
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long now = System.currentTimeMillis();
        long activationTime = target.activationTime(cmd, now);
        ReleaseTarget scope = sites.target(cmd);
        return ReleaseCommandSupport.exitCode("promote", err, () -> {
            List<ModelRelease> existing = target.readTimeline(err);
            ReleaseTimeline before = ReleaseTimeline.of(existing);
            ModelRelease from = ReleaseCommandSupport.newest(before, model, version, target.topic);
            if (!from.isCanary() && !from.shadow() && from.targets().equals(scope)) {
                throw new CommandFailure(REFUSED, "release " + from.releaseId() + " already activates " + version
                        + " for every key of " + scope + "; nothing to widen (use rollback to re-activate it)");
            }
            ModelRelease promotion;
            try {
                promotion = promoted(from, activationTime, scope, publisher, now);
            } catch (InvalidReleaseException e) {
                throw new CommandFailure(REFUSED, "invalid release: " + e.getMessage());
            }
            if (signKey != null) {
                promotion = PublishCommand.sign(promotion, signKey);
            }
            List<ModelRelease> all = new ArrayList<>(existing);
            all.add(promotion);
            ReleaseTimeline after = ReleaseTimeline.of(all);
            out.printf("promote %s %s: %s -> 100%% of %s at %s (%s)%n", model, version,
                    ReleaseCommandSupport.describeWinner(from, before) + (from.targets().isAll() ? "" : " of " + from.targets()),
                    scope, promotion.activateAtIso(), ReleaseCommandSupport.relative(promotion.activateAt(), now));
            out.printf("  copied from release %s (sha256 %s..., %s)%n", from.releaseId(),
                    from.sha256().substring(0, 12), from.uri());
            out.printf("  signed by    %s%n", promotion.isSigned() ? "key " + promotion.signedBy() : "nobody");
            out.flush();
            target.publishAndShow(out, promotion, after);
        });
    }
}
