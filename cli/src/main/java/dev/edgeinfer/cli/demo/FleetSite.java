package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.jobs.config.SensorJobConfig;
import dev.edgeinfer.jobs.config.SensorJobOptions;
import dev.edgeinfer.jobs.sensor.SensorAnomalyJob;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;
import dev.edgeinfer.simulation.models.BuiltModel;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One site of the fleet demo: its sensor job (own site id, labels, trusted keys, readings and
 * results topics; the shared control and status topics), its simulated devices and the reader of
 * what its job writes. Its results are checked against its own release timeline: the releases it
 * accepts (signed by a key it trusts) as they apply to its id and labels.
 */
final class FleetSite implements AutoCloseable {

    final String id;
    final Map<String, String> labels;
    final boolean trustsController;
    final SensorJobConfig config;
    final SensorFleetSimulator simulator;
    final SensorResultTracker tracker;
    private final TrustedKeys trusted;
    JobClient job;

    /**
     * @param trustedKeyFiles the public keys this site trusts (each a file)
     */
    FleetSite(EmbeddedKafkaBroker kafka, String id, String labels, List<Path> trustedKeyFiles, boolean trustsController,
            BuiltModel v1, Path workDir, int devices, double rate, double malformed, double anomalyRate, long seed)
            throws Exception {
        this.id = id;
        this.labels = SiteIdentity.parseLabels(labels);
        this.trustsController = trustsController;
        this.trusted = TrustedKeys.fromFiles(trustedKeyFiles.toArray(Path[]::new));
        String readings = "edge.sensor.readings." + id;
        String results = "edge.inference.results." + id;
        String deadLetters = "edge.inference.deadletter." + id;
        kafka.createTopics(2, readings, results);
        kafka.createTopics(1, deadLetters);
        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(KafkaJobOptions.SITE_ID, id);
        conf.set(KafkaJobOptions.SITE_LABELS, labels);
        conf.set(KafkaJobOptions.TRUSTED_KEYS,
                trustedKeyFiles.stream().map(Path::toString).collect(Collectors.joining(",")));
        conf.set(KafkaJobOptions.MODELS_ROOT, v1.file().getParent().toString());
        conf.set(KafkaJobOptions.MODEL_CACHE_DIR, workDir.resolve("cache-" + id).toString());
        conf.set(KafkaJobOptions.PARALLELISM, 1);
        conf.set(SensorJobOptions.READINGS_TOPIC, readings);
        conf.set(SensorJobOptions.RESULTS_TOPIC, results);
        conf.set(SensorJobOptions.DEADLETTER_TOPIC, deadLetters);
        conf.set(SensorJobOptions.GROUP_ID, "edgeinfer-sensor-" + id);
        conf.set(SensorJobOptions.TRANSACTIONAL_ID_PREFIX, "edgeinfer-sensor-" + id);
        conf.set(SensorJobOptions.MODEL_NAME, v1.id().name());
        conf.set(SensorJobOptions.STARTING_OFFSETS, KafkaJobOptions.StartingOffsets.EARLIEST);
        conf.set(SensorJobOptions.CHANNELS, v1.channels());
        conf.set(SensorJobOptions.WINDOW_SIZE, v1.windowSize());
        this.config = SensorJobConfig.from(conf);
        this.simulator = new SensorFleetSimulator(kafka.bootstrapServers(), readings, devices, config.channels(), rate,
                malformed, anomalyRate, seed);
        this.tracker = new SensorResultTracker(kafka.bootstrapServers(), results, deadLetters, config.statusTopic(),
                (device, index) -> simulator.windowIsAnomalous(device, index, config.windowSize(), config.windowSlide()));
        tracker.start();
        simulator.warmUp(config.warmupMaxTime());
    }

    void start(MiniCluster cluster) throws Exception {
        job = LocalCluster.submit(cluster, 1, env -> SensorAnomalyJob.build(env, config), SensorAnomalyJob.JOB_NAME + "-" + id);
    }

    /** Whether this site's job reported {@code release} staged or active. */
    boolean staged(ModelRelease release) {
        return statuses().stream().anyMatch(s -> release.releaseId().equals(s.releaseId())
                && (s.state() == ModelStatus.State.STAGED || s.state() == ModelStatus.State.ACTIVE));
    }

    /** This site's own status reports (the status topic is shared). */
    List<ModelStatus> statuses() {
        return tracker.statuses().stream().filter(s -> s.site().equals(id)).toList();
    }

    long expectedWindows() {
        return simulator.expectedWindows(config.windowSize(), config.windowSlide());
    }

    boolean drained() {
        return tracker.distinctResults() >= expectedWindows() && tracker.deadLettered() >= simulator.malformedInjected();
    }

    /** The releases of {@code all} this site accepts: those signed by a key it trusts. */
    ReleaseTimeline timeline(List<ModelRelease> all) {
        return ReleaseTimeline.of(all.stream().filter(r -> ReleaseSigning.isValid(r, trusted)).toList());
    }

    /** Distinct results whose version is not the one this site's timeline assigns them. */
    long misrouted(List<ModelRelease> all, String model) {
        ReleaseTimeline timeline = timeline(all);
        SiteIdentity site = new SiteIdentity(id, labels);
        return tracker.samples().stream()
                .filter(s -> !s.version().equals(timeline.resolve(model, s.eventTime(), s.key(), site)
                        .map(ModelRelease::version).orElse(null)))
                .count();
    }

    void produce(Duration duration) {
        simulator.run(duration, () -> false);
    }

    @Override
    public void close() throws Exception {
        if (job != null) {
            LocalCluster.cancelQuietly(job);
        }
        tracker.close();
        simulator.close();
    }
}
