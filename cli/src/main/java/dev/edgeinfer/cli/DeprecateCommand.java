package dev.edgeinfer.cli;

import static dev.edgeinfer.cli.ReleaseCommandSupport.REFUSED;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ReleaseCommandSupport.CommandFailure;

import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer deprecate}: marks a published version bad with a signed advisory on the control
 * topic. Every job still serving it reports DEPRECATED; jobs with {@code model.deprecation-policy
 * = ROLLBACK} go back to the previous good version from the advisory's event time on.
 */
@Command(name = "deprecate", description = {"Marks a published version bad with a (signed) advisory on the control topic.",
    "Jobs serving it report DEPRECATED; with model.deprecation-policy=ROLLBACK, records with event time >= the advisory's "
            + "time (--activate-in / --activate-at) get the previous good version. Exit code 2 if the version was never "
            + "published."})
final class DeprecateCommand implements Callable<Integer> {

    @Option(names = "--version", required = true, description = "The bad version, e.g. v3.")
    String version;

    @Option(names = "--reason", required = true, description = "Why it is bad, for the status topic and the census.")
    String reason;

    @Mixin ReleaseCommandSupport.ReleaseTarget target;

    @Option(names = "--sign-key", description = "Ed25519 private key to sign the advisory with (as for publish).")
    Path signKey;

    @Option(names = "--publisher", defaultValue = "${sys:user.name}",
            description = "Who deprecates, for the audit trail (default: ${DEFAULT-VALUE}).")
    String publisher;

    @Spec CommandSpec spec;

    // Not mixinStandardHelpOptions: its -V/--version would clash with --version.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long now = System.currentTimeMillis();
        long effectiveAt = target.activationTime(cmd, now);
        return ReleaseCommandSupport.exitCode("deprecate", err, () -> {
            ReleaseTimeline timeline = ReleaseTimeline.of(target.readTimeline(err));
            ModelRelease bad = ReleaseCommandSupport.newest(timeline, target.model, version, target.topic);
            DeprecationAdvisory advisory;
            try {
                advisory = new DeprecationAdvisory(target.model, version, bad.sha256(), reason, effectiveAt, publisher,
                        now, null, null);
                if (signKey != null) {
                    advisory = ReleaseSigning.sign(advisory, ReleaseSigning.readPrivateKey(signKey),
                            ReleaseSigning.keyId(ReleaseSigning.readPublicKey(PublishCommand.publicKeyOf(signKey))));
                }
            } catch (InvalidReleaseException e) {
                throw new CommandFailure(REFUSED, "invalid advisory: " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                throw new CommandFailure(REFUSED, "cannot sign with " + signKey + ": " + e.getMessage());
            }
            DeprecationAdvisory publishing = advisory;
            RecordMetadata written = ReleaseCommandSupport.publish(target.bootstrap, target.topic,
                    () -> new ControlTopic(target.bootstrap, target.topic).publish(publishing));
            out.printf("deprecated %s %s (sha256 %s...): %s%n", target.model, version, bad.sha256().substring(0, 12),
                    reason);
            out.printf("  rollback policies apply it from %s (event time %d), %s%n",
                    java.time.Instant.ofEpochMilli(effectiveAt), effectiveAt,
                    ReleaseCommandSupport.relative(effectiveAt, now));
            out.printf("  signed by    %s%n", advisory.isSigned() ? "key " + advisory.signedBy() : "nobody");
            out.printf("published %s (partition %d, offset %d)%n", advisory.advisoryId(), written.partition(),
                    written.offset());
            out.flush();
        });
    }
}
