package dev.edgeinfer.operators.internal;

import static dev.edgeinfer.operators.testutils.TestingOnnxModels.sensorSignature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.control.ModelReleaseSerializer;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Site-scoped and canary resolution as the operator's subtasks do it ({@link ActivationTimeline}),
 * over random release sets (seeded, so failures reproduce): every subtask of a site gives the
 * answers of a naive transcription of the rules whatever order and duplicates the broadcast
 * delivers, and a subtask restored from a checkpoint (its releases and progress through their
 * state serializers) that then replays the control topic from there answers exactly as the same
 * subtask without the restart, late activations included. {@code ReleaseTimelinePropertyTest}
 * (model-broadcast) checks the pure resolver; this checks the per-subtask state built on it.
 */
class ActivationTimelinePropertyTest {

    private static final String MODEL = "sensor-anomaly";
    private static final int TRIALS = 50;
    private static final int SUBTASKS = 3;
    private static final long MAX_T = 100;
    private static final List<String> KEYS = coveringKeys();
    private static final List<SiteIdentity> SITES = List.of(
            new SiteIdentity("plant-1", Map.of("wave", "1")),
            new SiteIdentity("plant-2", Map.of("wave", "2", "region", "north")),
            new SiteIdentity("plant-3", Map.of("region", "north")),
            SiteIdentity.of("plant-9"));
    private static final List<ReleaseTarget> TARGETS = List.of(
            ReleaseTarget.ALL,
            ReleaseTarget.ALL,
            ReleaseTarget.of(List.of("plant-1"), List.of()),
            ReleaseTarget.of(List.of("plant-2", "plant-3"), List.of()),
            ReleaseTarget.of(List.of(), List.of("wave=1")),
            ReleaseTarget.of(List.of(), List.of("region=north", "wave=7")));

    /** Keys that together cover all 100 canary buckets. */
    private static List<String> coveringKeys() {
        BitSet seen = new BitSet(100);
        List<String> keys = new ArrayList<>();
        for (int i = 0; seen.cardinality() < 100; i++) {
            String key = "dev-" + i;
            if (!seen.get(ReleaseTimeline.bucket(key))) {
                seen.set(ReleaseTimeline.bucket(key));
                keys.add(key);
            }
        }
        return keys;
    }

    private static List<ModelRelease> randomReleases(Random rnd) {
        int[] percents = {100, 100, 100, 1, 10, 50, 99};
        List<ModelRelease> releases = new ArrayList<>();
        for (int i = 1 + rnd.nextInt(10); i > 0; i--) {
            String version = "v" + rnd.nextInt(4);
            releases.add(ModelRelease.builder().model(MODEL).version(version)
                    .sha256(Sha256.of((version + rnd.nextInt(2)).getBytes(StandardCharsets.UTF_8)))
                    .uri("file:///models/" + version + ".onnx").sizeBytes(10).signature(sensorSignature())
                    .activateAt(10L * rnd.nextInt(11)).publisher("test").publishedAt(rnd.nextInt(3))
                    .canaryPercent(percents[rnd.nextInt(percents.length)])
                    .targets(TARGETS.get(rnd.nextInt(TARGETS.size())))
                    .build());
        }
        return releases;
    }

    /** The releases in a random order with a few delivered twice, as a broadcast (and its replays) may. */
    private static List<ModelRelease> delivery(List<ModelRelease> releases, Random rnd) {
        List<ModelRelease> arrival = new ArrayList<>(releases);
        for (int d = rnd.nextInt(4); d > 0; d--) {
            arrival.add(releases.get(rnd.nextInt(releases.size())));
        }
        Collections.shuffle(arrival, rnd);
        return arrival;
    }

    private static List<String> answers(ActivationTimeline t) {
        List<String> out = new ArrayList<>();
        for (long time = -1; time <= MAX_T + 1; time++) {
            for (String key : KEYS) {
                out.add(t.resolve(time, key).map(ModelRelease::releaseId).orElse("-"));
            }
        }
        return out;
    }

    @Test
    void everySubtaskOfASiteResolvesSiteScopedAndCanaryReleasesByTheNaiveRulesWhateverTheDelivery() {
        Random rnd = new Random(20261130L);
        for (int trial = 0; trial < TRIALS; trial++) {
            List<ModelRelease> releases = randomReleases(rnd);
            for (SiteIdentity site : SITES) {
                List<ModelRelease> here = dedupe(releases).stream().filter(r -> naiveApplies(r, site)).toList();
                List<String> expected = new ArrayList<>();
                for (long time = -1; time <= MAX_T + 1; time++) {
                    for (String key : KEYS) {
                        expected.add(naiveResolve(here, time, key).map(ModelRelease::releaseId).orElse("-"));
                    }
                }
                for (int subtask = 0; subtask < SUBTASKS; subtask++) {
                    ActivationTimeline t = new ActivationTimeline(MODEL, site);
                    delivery(releases, rnd).forEach(t::add);
                    assertThat(answers(t)).as("trial %d %s subtask %d", trial, site.id(), subtask)
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aRestartFromACheckpointThenAReplayOfTheControlTopicNeverChangesASubtasksAnswers() throws IOException {
        Random rnd = new Random(42L);
        for (int trial = 0; trial < TRIALS; trial++) {
            List<ModelRelease> releases = randomReleases(rnd);
            // Control records interleaved with scored event times, so some releases arrive late.
            List<Object> events = new ArrayList<>(delivery(releases, rnd));
            for (int s = rnd.nextInt(4); s > 0; s--) {
                events.add(rnd.nextInt(events.size() + 1), (long) rnd.nextInt((int) MAX_T));
            }
            int cut = rnd.nextInt(events.size() + 1);
            int replayFrom = Math.max(0, cut - rnd.nextInt(3)); // at-least-once: a few delivered again
            for (SiteIdentity site : SITES) {
                ActivationTimeline uninterrupted = new ActivationTimeline(MODEL, site);
                events.forEach(e -> apply(uninterrupted, e));

                ActivationTimeline before = new ActivationTimeline(MODEL, site);
                events.subList(0, cut).forEach(e -> apply(before, e));
                List<ModelRelease> state = roundTrip(dedupe(events.subList(0, cut).stream()
                        .filter(ModelRelease.class::isInstance).map(ModelRelease.class::cast).toList()));
                SubtaskProgress progress = roundTrip(before.progress(1));
                ActivationTimeline restored = new ActivationTimeline(MODEL, site, progress);
                restored.addAll(state);
                events.subList(replayFrom, events.size()).forEach(e -> apply(restored, e));

                assertThat(answers(restored)).as("trial %d %s cut %d", trial, site.id(), cut)
                        .isEqualTo(answers(uninterrupted));
                assertThat(restored.progress(1)).isEqualTo(uninterrupted.progress(1));
            }
        }
    }

    /** What the operator does with a control record (a duplicate is ignored; one behind the data is late) or a scored record. */
    private static void apply(ActivationTimeline t, Object event) {
        if (event instanceof Long eventTime) {
            t.scored(eventTime);
        } else if (event instanceof ModelRelease r && !t.contains(r.releaseId())) {
            if (t.newestScoredEventTime() != Long.MIN_VALUE && r.activateAt() <= t.newestScoredEventTime()) {
                t.addLate(r, t.newestScoredEventTime() + 1);
            } else {
                t.add(r);
            }
        }
    }

    /** The releases received before the checkpoint (the broadcast state), through its serializer. */
    private static List<ModelRelease> roundTrip(List<ModelRelease> held) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        for (ModelRelease r : held) {
            ModelReleaseSerializer.INSTANCE.serialize(r, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        List<ModelRelease> back = new ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            back.add(ModelReleaseSerializer.INSTANCE.deserialize(in));
        }
        return back;
    }

    private static SubtaskProgress roundTrip(SubtaskProgress progress) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        SubtaskProgressSerializer.INSTANCE.serialize(progress, out);
        return SubtaskProgressSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    // --- naive reference, written from the rollover contract (docs/architecture.md), not the production structures ---

    private static final Comparator<ModelRelease> LATEST = Comparator.comparingLong(ModelRelease::activateAt)
            .thenComparingLong(ModelRelease::publishedAt)
            .thenComparing(ModelRelease::version)
            .thenComparing(ModelRelease::sha256)
            .thenComparing(ModelRelease::releaseId);

    /** One release per id (copies of a release are identical here). */
    private static List<ModelRelease> dedupe(List<ModelRelease> releases) {
        Map<String, ModelRelease> byId = new HashMap<>();
        releases.forEach(r -> byId.putIfAbsent(r.releaseId(), r));
        return new ArrayList<>(byId.values());
    }

    /** A release applies to a site it does not scope, or whose id or one of whose labels it names. */
    private static boolean naiveApplies(ModelRelease r, SiteIdentity site) {
        List<String> sites = r.targets().sites();
        List<String> labels = r.targets().labels();
        return sites.isEmpty() && labels.isEmpty()
                || sites.contains(site.id())
                || site.labels().entrySet().stream().anyMatch(l -> labels.contains(l.getKey() + "=" + l.getValue()));
    }

    /**
     * The latest activation at or before {@code t}; inside a canary, keys in buckets at or above
     * its share keep the latest full activation at or before the canary's.
     */
    private static Optional<ModelRelease> naiveResolve(List<ModelRelease> releases, long t, String key) {
        Optional<ModelRelease> winner = releases.stream().filter(r -> r.activateAt() <= t).max(LATEST);
        if (winner.isEmpty() || !winner.get().isCanary() || ReleaseTimeline.bucket(key) < winner.get().canaryPercent()) {
            return winner;
        }
        ModelRelease canary = winner.get();
        Optional<ModelRelease> base = releases.stream()
                .filter(r -> !r.isCanary() && r.activateAt() <= canary.activateAt() && r != canary)
                .max(LATEST);
        return base.isPresent() ? base : winner;
    }
}
