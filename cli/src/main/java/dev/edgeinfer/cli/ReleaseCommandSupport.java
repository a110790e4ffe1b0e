package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.control.ControlTopic;
import dev.edgeinfer.broadcast.control.ModelBroadcast;
import dev.edgeinfer.broadcast.kafka.KafkaClients;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code publish} and {@code rollback} share: the activation time from {@code --activate-in}
 * / {@code --activate-at}, the control-topic pre-flight check, and how a release and a model's
 * timeline are printed.
 */
final class ReleaseCommandSupport {

    /** The lead time used when neither {@code --activate-in} nor {@code --activate-at} is given. */
    static final Duration DEFAULT_LEAD = Duration.ofSeconds(10);

    /** Exit code for refusals caused by the arguments or the topic's contents (picocli's usage-error code). */
    static final int REFUSED = CommandLine.ExitCode.USAGE;

    /** Exit code when Kafka cannot be reached or fails. */
    static final int FAILED = CommandLine.ExitCode.SOFTWARE;

    /** How many activations of a model are printed (the most recent ones). */
    private static final int MAX_PRINTED_ACTIVATIONS = 20;

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(20);

    private ReleaseCommandSupport() {}

    /** A refusal or failure with the exit code the command returns. */
    static final class CommandFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        CommandFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** Reads {@code --activate-at}: an ISO-8601 instant such as {@code 2026-01-01T00:00:00Z} or {@code ...+01:00}. */
    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value.trim());
            } catch (DateTimeParseException | NullPointerException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not an ISO-8601 instant (examples: 2026-01-01T00:00:00Z, 2026-01-01T01:00:00+01:00)");
            }
        }
    }

    /**
     * The activation event time (epoch ms): {@code now + activateIn}, or {@code activateAt}, or
     * {@code now + 10 s} when neither is given.
     *
     * @throws CommandLine.ParameterException if both are given or the time is out of range
     */
    static long activationTime(CommandLine cmd, Duration activateIn, Instant activateAt, long now) {
        if (activateIn != null && activateAt != null) {
            throw new CommandLine.ParameterException(cmd,
                    "--activate-in and --activate-at are mutually exclusive: give either the lead time "
                            + "(--activate-in 10s) or the activation event time (--activate-at 2026-01-01T00:00:00Z), not both");
        }
        try {
            if (activateAt != null) {
                long at = activateAt.toEpochMilli();
                if (at < 0) {
                    throw new CommandLine.ParameterException(cmd,
                            "--activate-at must not be before 1970-01-01T00:00:00Z (event times are epoch ms >= 0), got " + activateAt);
                }
                return at;
            }
            return Math.addExact(now, (activateIn != null ? activateIn : DEFAULT_LEAD).toMillis());
        } catch (ArithmeticException e) {
            throw new CommandLine.ParameterException(cmd, "the activation time is out of range");
        }
    }

    /**
     * The options both commands take, as a picocli mixin: which Kafka, control topic and model,
     * and when the new activation starts.
     */
    static final class ReleaseTarget {

        @CommandLine.Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
        String bootstrap;

        @CommandLine.Option(names = "--model", required = true, description = "Model name, e.g. sensor-anomaly.")
        String model;

        @CommandLine.Option(names = "--topic", defaultValue = ModelBroadcast.DEFAULT_CONTROL_TOPIC,
                description = "Control topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @CommandLine.Option(names = "--activate-in", converter = DurationConverter.class,
                description = "Activate this long after now, in event time (default: 10s, the lead time that lets every site "
                        + "stage the model before the switch). Not with --activate-at.")
        Duration activateIn;

        @CommandLine.Option(names = "--activate-at", converter = InstantConverter.class,
                description = "Activate at this event time, ISO-8601 (e.g. 2026-01-01T00:00:00Z). Not with --activate-in.")
        Instant activateAt;

        /** See {@link ReleaseCommandSupport#activationTime}. */
        long activationTime(CommandLine cmd, long now) {
            return ReleaseCommandSupport.activationTime(cmd, activateIn, activateAt, now);
        }

        /** Checks the control topic (see {@link #checkControlTopic}) and reads every release on it. */
        List<ModelRelease> readTimeline(PrintWriter err) throws CommandFailure {
            checkControlTopic(bootstrap, topic, err);
            return readAll(bootstrap, topic);
        }

        /** Publishes {@code release}, says where it landed, and prints the model's timeline with it. */
        void publishAndShow(PrintWriter out, ModelRelease release, ReleaseTimeline timeline) throws CommandFailure {
            RecordMetadata written = publish(bootstrap, topic, release);
            out.printf("published %s (partition %d, offset %d)%n", release.releaseId(), written.partition(), written.offset());
            printTimeline(out, timeline, model, release, System.currentTimeMillis());
            out.flush();
        }
    }

    /** A command's work, which may end in a {@link CommandFailure}. */
    @FunctionalInterface
    interface ReleaseAction {
        void run() throws CommandFailure;
    }

    /** Runs {@code action}: exit code 0, or the failure's code with {@code edgeinfer <command>: <message>} on stderr. */
    static int exitCode(String command, PrintWriter err, ReleaseAction action) {
        try {
            action.run();
            return CommandLine.ExitCode.OK;
        } catch (CommandFailure e) {
            err.println("edgeinfer " + command + ": " + e.getMessage());
            err.flush();
            return e.exitCode;
        }
    }

    /**
     * Checks that the control topic exists (publishing to a missing topic would otherwise block
     * for a minute, or auto-create an uncompacted topic) and warns if it is not compacted.
     */
    static void checkControlTopic(String bootstrap, String topic, PrintWriter err) throws CommandFailure {
        String timeout = String.valueOf(KAFKA_TIMEOUT.toMillis());
        try (Admin admin = KafkaClients.admin(bootstrap, "edgeinfer-cli-admin", Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout))) {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Map<ConfigResource, Config> configs =
                        admin.describeConfigs(List.of(resource)).all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                ConfigEntry policy = configs.get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG);
                if (policy != null && policy.value() != null && !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                    err.printf("warning: control topic '%s' has cleanup.policy=%s, not compact: old activations will expire, "
                            + "and a job started later would not see the whole timeline%n", topic, policy.value());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new CommandFailure(REFUSED, "control topic '" + topic + "' does not exist on " + bootstrap
                            + "; create it compacted first, e.g. kafka-topics.sh --bootstrap-server " + bootstrap
                            + " --create --topic " + topic + " --config cleanup.policy=compact");
                }
                throw new CommandFailure(FAILED, "cannot describe topic '" + topic + "' on " + bootstrap + ": " + e.getCause());
            } catch (TimeoutException e) {
                throw new CommandFailure(FAILED, "Kafka at " + bootstrap + " did not answer within " + KAFKA_TIMEOUT.toSeconds() + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure(FAILED, "interrupted");
            }
        }
    }

    /** Every valid release on the control topic. */
    static List<ModelRelease> readAll(String bootstrap, String topic) throws CommandFailure {
        try {
            return new ControlTopic(bootstrap, topic).readAll();
        } catch (KafkaException e) {
            throw new CommandFailure(FAILED, "cannot read " + topic + " on " + bootstrap + ": " + e);
        }
    }

    /** Writes {@code release} to the control topic (keyed by its release id) and waits for the acknowledgement. */
    static RecordMetadata publish(String bootstrap, String topic, ModelRelease release) throws CommandFailure {
        return publish(bootstrap, topic, () -> new ControlTopic(bootstrap, topic).publish(release));
    }

    /** One write to the control topic, which may fail the way a Kafka send does. */
    @FunctionalInterface
    interface ControlWrite {
        RecordMetadata write() throws ExecutionException, InterruptedException;
    }

    /** Runs {@code write}, turning Kafka failures into a {@link CommandFailure} (exit 1). */
    static RecordMetadata publish(String bootstrap, String topic, ControlWrite write) throws CommandFailure {
        try {
            return write.write();
        } catch (ExecutionException e) {
            throw new CommandFailure(FAILED, "publishing to " + topic + " on " + bootstrap + " failed: " + e.getCause());
        } catch (KafkaException e) {
            throw new CommandFailure(FAILED, "publishing to " + topic + " on " + bootstrap + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure(FAILED, "interrupted while publishing");
        }
    }

    /**
     * {@code in 10 s}, or {@code 42 s ago — sites that already scored later data apply it at once
     * and report LATE_ACTIVATION}.
     */
    static String relative(long activateAt, long now) {
        long diff = activateAt - now;
        if (diff >= 0) {
            long seconds = (diff + 999) / 1000;
            return "in " + seconds + " s" + longForm(seconds);
        }
        long seconds = -diff / 1000;
        return seconds + " s ago" + longForm(seconds)
                + " \u2014 sites that already scored later data apply it at once and report LATE_ACTIVATION";
    }

    private static String longForm(long seconds) {
        if (seconds < 120) {
            return "";
        }
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3600;
        long minutes = seconds % 3600 / 60;
        StringBuilder out = new StringBuilder(" (");
        if (days > 0) {
            out.append(days).append("d ");
        }
        if (days > 0 || hours > 0) {
            out.append(hours).append("h ");
        }
        return out.append(minutes).append("m)").toString();
    }

    /** {@code 100% (full activation)} or {@code canary 25% of keys; the others keep v1}. */
    static String canaryShare(ModelRelease release, ReleaseTimeline timeline) {
        if (release.shadow()) {
            return "shadow: scores " + (release.isCanary() ? release.canaryPercent() + "% of keys" : "every key")
                    + " beside the serving version, never emitted, until the next serving activation";
        }
        if (!release.isCanary()) {
            return "100% (full activation)";
        }
        return "canary " + release.canaryPercent() + "% of keys (canary bucket < " + release.canaryPercent() + "); "
                + baseOf(release, timeline).map(b -> "the others keep " + b.version())
                        .orElse("no earlier full activation, so it applies to every key");
    }

    /** The full activation a canary falls back to (the latest full one ordered before it). */
    static Optional<ModelRelease> baseOf(ModelRelease canary, ReleaseTimeline timeline) {
        ModelRelease base = null;
        for (ModelRelease r : timeline.activations(canary.model())) {
            if (r.releaseId().equals(canary.releaseId())) {
                break;
            }
            if (!r.isCanary()) {
                base = r;
            }
        }
        return Optional.ofNullable(base);
    }

    /**
     * The newest release of {@code version} of {@code model} (by {@link ModelRelease#ORDER}),
     * shadow activations included (a version published only as a shadow can be promoted).
     *
     * @throws CommandFailure (exit 2) naming the versions (or models) that are there when it was never published
     */
    static ModelRelease newest(ReleaseTimeline timeline, String model, String version, String topic)
            throws CommandFailure {
        List<ModelRelease> history = new ArrayList<>(timeline.activations(model));
        history.addAll(timeline.shadowActivations(model));
        history.sort(ModelRelease.ORDER);
        Optional<ModelRelease> newest = history.stream()
                .filter(r -> r.version().equals(version))
                .reduce((a, b) -> b); // sorted by ModelRelease.ORDER: the last is the newest
        if (newest.isEmpty()) {
            java.util.TreeSet<String> versions = new java.util.TreeSet<>();
            history.forEach(r -> versions.add(r.version()));
            throw new CommandFailure(REFUSED, history.isEmpty()
                    ? "model " + model + " has no releases on " + topic + " (models there: "
                            + (timeline.models().isEmpty() ? "none" : String.join(", ", timeline.models())) + ")"
                    : "version " + version + " of " + model + " was never published on " + topic
                            + "; versions there: " + String.join(", ", versions));
        }
        return newest.get();
    }

    /** The activation that wins at event time {@code t} (for canaries: the canary itself), if any. */
    static Optional<ModelRelease> winnerAt(ReleaseTimeline timeline, String model, long t) {
        ModelRelease winner = null;
        for (ModelRelease r : timeline.activations(model)) {
            if (r.activateAt() <= t) {
                winner = r; // sorted by ModelRelease.ORDER: the last one at or before t wins
            }
        }
        return Optional.ofNullable(winner);
    }

    /** {@code v2}, or {@code v3 (canary 10% over v2)}. */
    static String describeWinner(ModelRelease winner, ReleaseTimeline timeline) {
        if (winner.shadow()) {
            return winner.version() + " (shadow" + (winner.isCanary() ? " of " + winner.canaryPercent() + "%" : "") + ")";
        }
        if (!winner.isCanary()) {
            return winner.version();
        }
        return winner.version() + " (canary " + winner.canaryPercent() + "%"
                + baseOf(winner, timeline).map(b -> " over " + b.version()).orElse("") + ")";
    }

    /** Prints the model's activations (the most recent ones if there are many), marking {@code highlight}. */
    static void printTimeline(PrintWriter out, ReleaseTimeline timeline, String model, ModelRelease highlight, long now) {
        List<ModelRelease> acts = timeline.activations(model);
        Optional<ModelRelease> activeNow = winnerAt(timeline, model, now);
        out.printf("timeline of %s (%d activation%s; a record with event time t is scored by the last one with from <= t):%n",
                model, acts.size(), acts.size() == 1 ? "" : "s");
        int first = Math.max(0, acts.size() - MAX_PRINTED_ACTIVATIONS);
        if (first > 0) {
            out.printf("  ... %d earlier activation%s not shown%n", first, first == 1 ? "" : "s");
        }
        int width = 7;
        for (ModelRelease r : acts) {
            width = Math.max(width, r.version().length());
        }
        for (int i = first; i < acts.size(); i++) {
            ModelRelease r = acts.get(i);
            StringBuilder notes = new StringBuilder();
            if (i + 1 < acts.size() && acts.get(i + 1).activateAt() == r.activateAt()) {
                notes.append("  [never applies: a later-ordered activation at the same time wins]");
            }
            if (activeNow.isPresent() && activeNow.get().releaseId().equals(r.releaseId())) {
                notes.append("  <- active now (event time = wall clock)");
            }
            if (highlight != null && highlight.releaseId().equals(r.releaseId())) {
                notes.append("  <- this release");
            }
            String share = (r.isCanary()
                    ? "canary " + r.canaryPercent() + "%" + baseOf(r, timeline).map(b -> " over " + b.version()).orElse("")
                    : "100%") + (r.targets().isAll() ? "" : " of " + r.targets());
            out.printf(Locale.ROOT, "  %-" + width + "s  from %-24s  %-22s sha256 %s  publisher: %s%s%n",
                    r.version(), r.activateAtIso(), share, r.sha256().substring(0, 12), r.publisher(), notes);
        }
        List<ModelRelease> shadows = timeline.shadowActivations(model);
        if (!shadows.isEmpty()) {
            out.printf("shadows of %s (scored beside the serving version until its next activation, never emitted):%n",
                    model);
        }
        for (ModelRelease r : shadows.subList(Math.max(0, shadows.size() - MAX_PRINTED_ACTIVATIONS), shadows.size())) {
            String share = (r.isCanary() ? r.canaryPercent() + "% of keys" : "every key")
                    + (r.targets().isAll() ? "" : " of " + r.targets());
            out.printf(Locale.ROOT, "  %-" + width + "s  from %-24s  %-22s sha256 %s  publisher: %s%s%n", r.version(),
                    r.activateAtIso(), share, r.sha256().substring(0, 12), r.publisher(),
                    highlight != null && highlight.releaseId().equals(r.releaseId()) ? "  <- this release" : "");
        }
    }
}
