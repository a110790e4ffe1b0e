package dev.edgeinfer.cli.demo;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.cli.LocalCluster;
import dev.edgeinfer.jobs.config.KafkaJobOptions;
import dev.edgeinfer.kafka.embedded.EmbeddedKafkaBroker;

import org.HdrHistogram.Histogram;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What the sensor and the frame demo do alike: the signing key the job trusts, when the rollover
 * is published, and the report parts built from a {@link ResultTracker}'s books (latency,
 * rollover check against the release timeline, status counts).
 */
final class DemoSupport {

    /** Width of the window around the switch whose p99 is compared with the steady p99. */
    static final long SWITCH_WINDOW_MS = 5_000;
    /** Results of the first seconds (JIT warm-up, first model loads) are left out of the steady p99. */
    static final long WARMUP_MS = 5_000;
    /** At most this long for the embedded broker's warm-up. */
    static final Duration BROKER_WARMUP_MAX_TIME = Duration.ofSeconds(5);

    private DemoSupport() {}

    /** A fresh Ed25519 key pair whose public half is written under {@code workDir/trusted-keys} as {@code *.pub}. */
    record SigningKey(KeyPair pair, Path publicKeyFile) {}

    static SigningKey signingKey(Path workDir) throws IOException, GeneralSecurityException {
        KeyPair pair = ReleaseSigning.generateKeyPair();
        Path publicKey = Files.createDirectories(workDir.resolve("trusted-keys")).resolve("demo-" + System.nanoTime() + ".pub");
        ReleaseSigning.writePublicKey(publicKey, pair.getPublic());
        return new SigningKey(pair, publicKey);
    }

    /** The rollover lead, capped at half the run so the switch happens while data flows. */
    static Duration rolloverLead(Duration duration, Duration lead) {
        return lead.compareTo(duration.dividedBy(2)) > 0 ? duration.dividedBy(2) : lead;
    }

    /** Publishing the rollover this long after producing starts puts its activation mid-run. */
    static long publishAfterMs(Duration duration, Duration lead) {
        return Math.max(0, duration.toMillis() / 2 - lead.toMillis());
    }

    /** The whole run's latency, then that of the first seconds and of the rest (see {@link DemoReport}). */
    static DemoReport.LatencyMs[] latencySplit(ResultTracker<?> tracker, long produceStartWall) {
        long split = produceStartWall + DemoReport.FIRST_SECONDS * 1000L;
        return new DemoReport.LatencyMs[] {
            latencyMs(tracker.latency()),
            latencyMs(tracker.latencyOfInputsProduced(Long.MIN_VALUE, split)),
            latencyMs(tracker.latencyOfInputsProduced(split, Long.MAX_VALUE))
        };
    }

    /** The summary line under the whole run's latency: the start and the steady state, never hidden. */
    static void printLatencySplit(PrintStream out, DemoReport r) {
        out.printf(Locale.ROOT,
                "                   first %d s: p50 %.1f ms  p99 %.1f ms  (%d)   after: p50 %.1f ms  p99 %.1f ms  (%d)%n",
                DemoReport.FIRST_SECONDS, r.latencyMsFirst5s().p50(), r.latencyMsFirst5s().p99(), r.latencyMsFirst5s().samples(),
                r.latencyMsSteady().p50(), r.latencyMsSteady().p99(), r.latencyMsSteady().samples());
    }

    static DemoReport.LatencyMs latencyMs(Histogram latency) {
        return new DemoReport.LatencyMs(ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)),
                ms(latency.getMaxValue()), latency.getTotalCount());
    }

    /** Checks every distinct result against the timeline and measures latency around the switch. */
    static DemoReport.Rollover rollover(ReleaseTimeline timeline, ModelRelease from, ModelRelease to,
            List<ResultTracker.Sample> samples, long produceStartWall, Duration lead) {
        long misrouted = 0;
        Long maxOld = null;
        Long minNew = null;
        Histogram around = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        Histogram steady = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        for (ResultTracker.Sample s : samples) {
            String expected = timeline.resolve(to.model(), s.eventTime(), s.key()).map(ModelRelease::version).orElse(null);
            if (!s.version().equals(expected)) {
                misrouted++;
            }
            if (s.version().equals(from.version())) {
                maxOld = maxOld == null ? s.eventTime() : Math.max(maxOld, s.eventTime());
            } else if (s.version().equals(to.version())) {
                minNew = minNew == null ? s.eventTime() : Math.min(minNew, s.eventTime());
            }
            long micros = Math.min(s.latencyMicros(), around.getHighestTrackableValue());
            if (Math.abs(s.eventTime() - to.activateAt()) <= SWITCH_WINDOW_MS / 2) {
                around.recordValue(micros);
            } else if (s.eventTime() >= produceStartWall + WARMUP_MS) {
                steady.recordValue(micros);
            }
        }
        return new DemoReport.Rollover(
                to.model(), from.version(), to.version(), to.activateAt(), Instant.ofEpochMilli(to.activateAt()).toString(),
                maxOld, minNew, misrouted,
                around.getTotalCount() == 0 ? 0 : ms(around.getValueAtPercentile(99)),
                steady.getTotalCount() == 0 ? 0 : ms(steady.getValueAtPercentile(99)),
                lead.toMillis() / 1000.0);
    }

    static Map<String, Long> statusCounts(List<ModelStatus> statuses) {
        Map<String, Long> counts = new TreeMap<>();
        for (ModelStatus s : statuses) {
            counts.merge(s.state().name(), 1L, Long::sum);
        }
        return counts;
    }

    static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    static String human(Duration d) {
        return d.toSeconds() + " s";
    }

    /**
     * Waits until every subtask of the inference operator reports {@code release} STAGED (or
     * ACTIVE) on the status topic, as a site's readiness probe would before sending traffic:
     * with the tasks running ({@code LocalCluster.startJob}) this means the serving model is
     * loaded and warm everywhere. Fails if the job dies or it takes longer than {@code timeout}.
     */
    static void awaitServing(ResultTracker<?> tracker, ModelRelease release, int parallelism, JobClient job,
            Duration timeout, PrintStream out) throws Exception {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        while (true) {
            long ready = tracker.statuses().stream()
                    .filter(s -> release.releaseId().equals(s.releaseId())
                            && (s.state() == ModelStatus.State.STAGED || s.state() == ModelStatus.State.ACTIVE))
                    .mapToInt(ModelStatus::subtask)
                    .distinct()
                    .count();
            if (ready >= parallelism) {
                out.printf(Locale.ROOT, "      ready: %s %s staged on all %d subtasks (%.1f s after the tasks ran)%n",
                        release.model(), release.version(), parallelism, (System.nanoTime() - started) / 1e9);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(release.model() + " " + release.version() + " was not staged on all "
                        + parallelism + " subtasks within " + timeout + " (" + ready + " ready)");
            }
            LocalCluster.failIfJobDied(job);
            Thread.sleep(20);
        }
    }

    /**
     * Step 1 of every demo: starts the embedded broker and warms it as a site's long-running
     * broker is warm ({@link BrokerWarmup}), saying so on {@code out}.
     */
    static EmbeddedKafkaBroker startKafka(PrintStream out) throws Exception {
        out.print("[1/5] starting Kafka (KRaft) ... ");
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start();
        try {
            BrokerWarmup.Result warm = BrokerWarmup.run(kafka, BROKER_WARMUP_MAX_TIME);
            out.printf(Locale.ROOT, "%s (warmed: %d records through %s in %d ms%s)%n", kafka.bootstrapServers(),
                    warm.records(), BrokerWarmup.TOPIC, warm.millis(), warm.timedOut() ? ", stopped at its time limit" : "");
        } catch (Exception | Error e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    /**
     * A job configuration pointing at {@code kafka}, whose topics (under their default names) are
     * created there first: input and results with 4 partitions, so every subtask reads and writes,
     * dead letters, status and blobs with 1, the control topic compacted.
     */
    static Configuration jobOnBroker(EmbeddedKafkaBroker kafka, ConfigOption<String> inputTopic,
            ConfigOption<String> resultsTopic, ConfigOption<String> deadLetterTopic) {
        Configuration conf = new Configuration();
        conf.set(KafkaJobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        kafka.createTopics(4, conf.get(inputTopic), conf.get(resultsTopic));
        kafka.createTopics(1, conf.get(deadLetterTopic), conf.get(KafkaJobOptions.STATUS_TOPIC), conf.get(KafkaJobOptions.BLOBS_TOPIC));
        kafka.createTopics(1, Map.of("cleanup.policy", "compact"), conf.get(KafkaJobOptions.CONTROL_TOPIC));
        return conf;
    }

    /**
     * The simulator producing on its own thread, and when it started: monotonic time to schedule
     * the rollover by, wall-clock time to place it on the event-time axis in the report.
     */
    record Production(Thread thread, long startNanos, long startWallMs) {

        /** Starts {@code produce} on a thread named {@code name}. */
        static Production start(String name, Runnable produce) {
            Thread thread = new Thread(produce, name);
            Production production = new Production(thread, System.nanoTime(), System.currentTimeMillis());
            thread.start();
            return production;
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        void join(long millis) throws InterruptedException {
            thread.join(millis);
        }
    }
}
