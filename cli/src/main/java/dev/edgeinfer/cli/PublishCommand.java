package dev.edgeinfer.cli;

import static dev.edgeinfer.cli.ReleaseCommandSupport.REFUSED;

import dev.edgeinfer.broadcast.fetch.BlobPublisher;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.ReleaseCommandSupport.CommandFailure;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code edgeinfer publish}: describes an ONNX file as a release and puts it on the control topic,
 * so every running job stages it and switches to it at the activation event time.
 */
@Command(
        name = "publish",
        description = {
            "Publishes a model version on the control topic.",
            "Every job serving the model fetches, verifies, loads and warms it up, then scores records",
            "with event time >= the activation time with it.",
            "The release is described from --file (sha256, size, file: URI, input/output signature read",
            "with ONNX Runtime); the file must be readable at the same path on every TaskManager.",
            "Versions are immutable ids: publishing a version that is already on the topic with other",
            "bytes is refused (exit code 2). Re-publishing the same bytes schedules another activation.",
            "With --variants DIR (an `edgeinfer optimize --out` directory) one version carries several files",
            "(fp32, int8, pruned, ...), signed as a whole; each site picks one within model.latency-budget."
        })
final class PublishCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    // Not mixinStandardHelpOptions: its -V/--version would clash with the release's --version.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Mixin ReleaseCommandSupport.ReleaseTarget target;

    @Mixin SiteTargetOptions sites;

    @Option(names = "--version", required = true, description = "Version label of this file, e.g. v2 (an immutable id).")
    String version;

    @Option(names = "--file", description = "The ONNX model file (or --variants).")
    Path file;

    @Option(names = "--variants",
            description = "Publish an `edgeinfer optimize` output directory as one release with variants (fp32, int8, "
                    + "pruned, ... with the kinds and fidelity of its report.json); each site serves the most faithful "
                    + "variant its hardware runs within its model.latency-budget. Instead of --file.")
    Path variants;

    @Option(names = "--canary", defaultValue = "100",
            description = "Share of keys (1..100) this activation takes; the others keep the previous full version "
                    + "(default: ${DEFAULT-VALUE}).")
    int canary;

    @Option(names = "--shadow",
            description = "A shadow activation: from its time on this version scores records beside the serving one "
                    + "(with --canary N: N% of keys); only the serving result is emitted, and agreement, score deltas "
                    + "and the shadow's latency go to its heartbeats. It ends at the model's next serving activation "
                    + "(e.g. promote).")
    boolean shadow;

    @Option(names = "--sign-key",
            description = "Ed25519 private key (PEM, from `edgeinfer keys generate`) to sign the release with; the matching "
                    + "public key must sit next to it as <name>.pub. Jobs configured with trusted keys reject unsigned releases.")
    Path signKey;

    @Option(names = "--inline",
            description = "Also deliver the bytes through Kafka: split the file into chunks on --blobs-topic and point the "
                    + "release at them (kafka-blob: URI), for sites that reach nothing but Kafka.")
    boolean inline;

    @Option(names = "--blobs-topic", defaultValue = "edge.models.blobs",
            description = "Topic for --inline chunks (default: ${DEFAULT-VALUE}).")
    String blobsTopic;

    @Option(names = "--uri",
            description = "Where sites fetch the bytes (file:, http(s):, kafka-blob:); default: the file's file: URI.")
    String uri;

    @Option(names = "--publisher", defaultValue = "${sys:user.name}",
            description = "Who publishes, for the audit trail (default: the user name, ${DEFAULT-VALUE}).")
    String publisher;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (canary < 1 || canary > 100) {
            throw new CommandLine.ParameterException(cmd,
                    "--canary must be a percentage of keys in 1..100 (100 = full activation), got " + canary);
        }
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        long now = System.currentTimeMillis();
        long activationTime = target.activationTime(cmd, now);
        dev.edgeinfer.broadcast.release.ReleaseTarget scope = sites.target(cmd);
        String model = target.model;
        String topic = target.topic;
        String bootstrap = target.bootstrap;
        if ((file == null) == (variants == null)) {
            throw new CommandLine.ParameterException(cmd, "give exactly one of --file (one ONNX file) and --variants "
                    + "(an `edgeinfer optimize` output directory)");
        }
        if (variants != null && (inline || uri != null)) {
            throw new CommandLine.ParameterException(cmd, "--variants publishes each variant's file: URI; "
                    + "--inline and --uri apply to --file only");
        }
        return ReleaseCommandSupport.exitCode("publish", err, () -> {
            ModelRelease release;
            try {
                if (variants != null) {
                    OptimizedRelease.Described described =
                            OptimizedRelease.describe(variants, model, version, activationTime, canary, publisher, now);
                    described.skipped().forEach(skip -> out.printf("  left out     %s%n", skip));
                    release = described.release();
                } else {
                    release = ReleaseFactory.fromFile(model, version, file, activationTime, canary, publisher, now);
                }
                if (inline && uri != null) {
                    throw new CommandLine.ParameterException(cmd, "--inline and --uri are mutually exclusive");
                }
                if (uri != null) {
                    release = release.toBuilder().uri(uri).build();
                }
                release = release.toBuilder().targets(scope).shadow(shadow).build();
            } catch (IOException e) {
                throw new CommandFailure(REFUSED, e.getMessage());
            } catch (InvalidReleaseException e) {
                throw new CommandFailure(REFUSED, "invalid release: " + e.getMessage());
            }

            List<ModelRelease> existing = target.readTimeline(err);
            String sha256 = release.sha256();
            List<ModelRelease> conflicts = existing.stream()
                    .filter(r -> r.model().equals(model) && r.version().equals(version) && !r.sha256().equals(sha256))
                    .toList();
            if (!conflicts.isEmpty()) {
                StringBuilder message = new StringBuilder()
                        .append("version ").append(version).append(" of ").append(model)
                        .append(" is already on ").append(topic).append(" with other bytes (versions are immutable ids; ")
                        .append("publish these bytes under a new version):");
                message.append("\n  this file  sha256 ").append(release.sha256()).append("  ").append(release.uri());
                for (ModelRelease c : conflicts) {
                    message.append("\n  on topic   sha256 ").append(c.sha256()).append("  ").append(c.uri())
                            .append("  (release ").append(c.releaseId()).append(", by ").append(c.publisher()).append(')');
                }
                throw new CommandFailure(REFUSED, message.toString());
            }

            List<ModelRelease> all = new ArrayList<>(existing);
            all.add(release);
            ReleaseTimeline timeline = ReleaseTimeline.of(all);
            out.printf("publishing %s %s to %s on %s%n", model, version, topic, bootstrap);
            out.printf("  release id   %s%n", release.releaseId());
            out.printf(Locale.ROOT, "  sha256       %s...  (%,d bytes)%n", release.sha256().substring(0, 12), release.sizeBytes());
            out.printf("  uri          %s%n", release.uri());
            for (ModelVariant v : release.variants()) {
                out.printf(Locale.ROOT, "  variant      %-20s sha256 %s...  %,d bytes  fidelity %.3f  cpu %s%n", v.kind(),
                        v.sha256().substring(0, 12), v.sizeBytes(), v.fidelity(),
                        v.cpuFlagsAnyOf().isEmpty() ? "any" : "one of " + v.cpuFlagsAnyOf());
            }
            out.printf("  activates at %s (event time %d), %s%n",
                    release.activateAtIso(), release.activateAt(), ReleaseCommandSupport.relative(release.activateAt(), now));
            out.printf("  share        %s%n", ReleaseCommandSupport.canaryShare(release, timeline));
            out.printf("  applies to   %s%n", release.targets());

            if (inline) {
                release = deliverInline(release, out);
            }
            if (signKey != null) {
                release = sign(release, signKey);
                out.printf("  signed by    key %s%n", release.signedBy());
            } else {
                out.println("  signed by    nobody (jobs that trust signing keys will reject this release)");
            }
            out.flush();

            target.publishAndShow(out, release, timeline);
        });
    }

    /** Splits the file into chunks on the blobs topic, with a progress bar, and points the release at them. */
    private ModelRelease deliverInline(ModelRelease release, PrintWriter out) throws CommandFailure {
        try (BlobPublisher blobs = new BlobPublisher(target.bootstrap, blobsTopic)) {
            BlobPublisher.Publication publication = blobs.publish(file, (bytes, total, chunks, totalChunks) -> {
                int width = 30;
                int filled = total == 0 ? width : (int) (width * bytes / total);
                out.printf(Locale.ROOT, "\r  inline       [%s%s] %3d%%  %d/%d chunks",
                        "#".repeat(filled), " ".repeat(width - filled), total == 0 ? 100 : 100 * bytes / total,
                        chunks, totalChunks);
                out.flush();
            });
            out.println();
            if (!publication.sha256().equals(release.sha256())) {
                throw new CommandFailure(REFUSED, "the file changed while it was being published (sha256 "
                        + publication.sha256() + " instead of " + release.sha256() + ")");
            }
            out.printf("  delivered    %d chunks on %s partition %d -> %s%n",
                    publication.chunks(), publication.topic(), publication.partition(), publication.uri());
            return release.toBuilder().uri(publication.uri()).build();
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(1, "could not deliver the model through " + blobsTopic + ": " + e.getMessage());
        }
    }

    /** The public key next to a private key: {@code keys/ml-team.key} -> {@code keys/ml-team.pub}. */
    static Path publicKeyOf(Path signKey) {
        String name = signKey.getFileName().toString();
        return signKey.resolveSibling((name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name) + ".pub");
    }

    /** {@code release} signed with the private key at {@code signKey} and the id of its {@code .pub} sibling. */
    static ModelRelease sign(ModelRelease release, Path signKey) throws CommandFailure {
        Path publicKey = publicKeyOf(signKey);
        try {
            PrivateKey privateKey = ReleaseSigning.readPrivateKey(signKey);
            String keyId = ReleaseSigning.keyId(ReleaseSigning.readPublicKey(publicKey));
            return ReleaseSigning.sign(release, privateKey, keyId);
        } catch (IOException | RuntimeException e) {
            throw new CommandFailure(REFUSED, "cannot sign with " + signKey + " (and its public key " + publicKey + "): "
                    + e.getMessage());
        }
    }
}
