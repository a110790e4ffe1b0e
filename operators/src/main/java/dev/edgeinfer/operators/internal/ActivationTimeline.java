package dev.edgeinfer.operators.internal;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One subtask's view of a model's releases: those received minus those it rejected, with the
 * boundaries of its late activations, and the newest event time it scored. Releases scoped to
 * other sites ({@link ModelRelease#targets()}) are held (so the set stays the one every subtask
 * received) but never resolved, staged or needed here.
 *
 * <pre>{@code
 * ActivationTimeline t = new ActivationTimeline("sensor-anomaly");
 * t.add(v1);
 * t.addLate(v3, 1501);                       // arrived after records up to 1500 were scored
 * Optional<ModelRelease> r = t.resolve(1200, "dev-a");  // v1's successor before 1501, never v3
 * t.scored(1200);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #resolve} is a pure function of the releases added (in
 * any order), those rejected and the late boundaries: a late release counts only for event times
 * from its boundary on, and there at its own {@code activateAt} (so it never overtakes a newer
 * activation); event times before the boundary resolve against the timeline without it, so no
 * event time already scored changes version. Where that covers nothing (records no release
 * covered before), the whole timeline answers. A rolled-back version ({@link #rollBack}) counts
 * only for event times before its rollback boundary, again a per-subtask boundary kept in the
 * checkpoint. Shadow activations never change {@link #resolve}; {@link #resolveShadow} says which
 * one scores a record beside the serving version (over the whole timeline: late boundaries do
 * not apply to shadows, whose results are never emitted), and they are staged and kept like
 * any release while they may still apply. Not thread-safe: the task thread owns it.
 */
@Internal
final class ActivationTimeline {

    private final String model;
    private final SiteIdentity site;
    private final Map<String, ModelRelease> received = new LinkedHashMap<>();
    private final Set<String> rejected = new HashSet<>();
    /** releaseId (or advisoryId) -> boundary this subtask actually used (late activations, rollbacks). */
    private final Map<String, Long> lateBoundaries = new HashMap<>();
    /** advisoryId -> advisory whose version is rolled back from its boundary on. */
    private final Map<String, DeprecationAdvisory> rollbacks = new HashMap<>();
    private long newestScored = Long.MIN_VALUE;
    /** Every accepted, not rejected release at its own activateAt. */
    private ReleaseTimeline timeline = ReleaseTimeline.empty();
    /** Segment start -> the timeline without the late releases whose boundary is after that start. */
    private TreeMap<Long, ReleaseTimeline> segments = new TreeMap<>(Map.of(Long.MIN_VALUE, ReleaseTimeline.empty()));

    ActivationTimeline(String model) {
        this(model, SiteIdentity.of("edge-local"));
    }

    /** The timeline of {@code model} at {@code site}: releases scoped to other sites are kept but never resolved. */
    ActivationTimeline(String model, SiteIdentity site) {
        this.model = Objects.requireNonNull(model, "model");
        this.site = Objects.requireNonNull(site, "site");
    }

    /** Takes over the late boundaries and newest scored event time a subtask checkpointed. */
    ActivationTimeline(String model, SiteIdentity site, SubtaskProgress restored) {
        this(model, site);
        lateBoundaries.putAll(restored.lateBoundaries());
        newestScored = restored.newestScoredEventTime();
        rebuild();
    }

    /** What to checkpoint for subtask {@code subtask}. */
    SubtaskProgress progress(int subtask) {
        return new SubtaskProgress(subtask, newestScored, lateBoundaries);
    }

    /** Whether a release with this id was added (rejected or not). */
    boolean contains(String releaseId) {
        return received.containsKey(releaseId);
    }

    /** Whether {@code release} applies to this site (one for other sites is held but never resolved). */
    boolean appliesHere(ModelRelease release) {
        return site.accepts(release);
    }

    /** Adds releases at their own {@code activateAt} (e.g. restored ones). */
    void addAll(Collection<ModelRelease> releases) {
        releases.forEach(r -> received.put(r.releaseId(), r));
        rebuild();
    }

    void add(ModelRelease release) {
        addAll(List.of(release));
    }

    /** Adds a release that applies to event times from {@code boundary} on only. */
    void addLate(ModelRelease release, long boundary) {
        lateBoundaries.put(release.releaseId(), boundary);
        add(release);
    }

    /**
     * Rolls {@code advisory}'s version back: from the returned boundary on (its
     * {@code effectiveAt}, or just after the newest event time already scored, or the boundary
     * restored from a checkpoint) its activations no longer count.
     */
    long rollBack(DeprecationAdvisory advisory) {
        long boundary = lateBoundaries.computeIfAbsent(advisory.advisoryId(),
                id -> newestScored == Long.MIN_VALUE ? advisory.effectiveAt() : Math.max(advisory.effectiveAt(), newestScored + 1));
        rollbacks.put(advisory.advisoryId(), advisory);
        rebuild();
        return boundary;
    }

    /** Drops a release this subtask could not stage; records fall back to the remaining timeline. */
    void reject(String releaseId) {
        rejected.add(releaseId);
        rebuild();
    }

    /** Records that a record with {@code eventTime} was scored. */
    void scored(long eventTime) {
        newestScored = Math.max(newestScored, eventTime);
    }

    long newestScoredEventTime() {
        return newestScored;
    }

    Map<String, Long> lateBoundaries() {
        return Map.copyOf(lateBoundaries);
    }

    /** The release that scores a record with this event time and routing key, if any covers it. */
    Optional<ModelRelease> resolve(long eventTime, String key) {
        Optional<ModelRelease> resolved = segments.floorEntry(eventTime).getValue().resolve(model, eventTime, key);
        return resolved.isPresent() ? resolved : timeline.resolve(model, eventTime, key);
    }

    /** The shadow activation that scores this record beside the serving version, if any ({@link ReleaseTimeline#resolveShadow}). */
    Optional<ModelRelease> resolveShadow(long eventTime, String key) {
        return timeline.resolveShadow(model, eventTime, key);
    }

    /** Whether any shadow activation applies here (else there is nothing to resolve per record). */
    boolean hasShadows() {
        return !timeline.shadowActivations(model).isEmpty();
    }

    /** The activations, in order, of the whole timeline. */
    List<ModelRelease> activations() {
        return timeline.activations(model);
    }

    /**
     * The releases to stage now (stage before activate): the one serving at
     * {@code max(watermark, newest scored)} and every later activation.
     */
    List<ModelRelease> toStageNow(long watermark) {
        long now = Math.max(watermark, newestScored);
        List<ModelRelease> activations = activations();
        long currentStart = Long.MIN_VALUE;
        for (ModelRelease r : activations) {
            if (r.activateAt() <= now) {
                currentStart = Math.max(currentStart, r.activateAt());
            }
        }
        List<ModelRelease> result = new ArrayList<>();
        for (ModelRelease r : activations) {
            if (r.activateAt() >= currentStart) {
                result.add(r);
            }
        }
        Set<String> shadows = timeline.neededShadowIds(now, 0); // the shadow now and those to come
        timeline.shadowActivations(model).stream().filter(r -> shadows.contains(r.releaseId())).forEach(result::add);
        if (!rollbacks.isEmpty()) {
            // After a rollback the previous good version serves again: stage it too.
            ReleaseTimeline latest = segments.lastEntry().getValue();
            Set<String> servingLatest = latest.neededReleaseIds(now, 0);
            for (ModelRelease r : latest.activations(model)) {
                if (servingLatest.contains(r.releaseId()) && !result.contains(r)) {
                    result.add(r);
                }
            }
        }
        return result;
    }

    /**
     * The releases records not later than {@code allowedLatenessMs} behind {@code watermark} may
     * still need, in the whole timeline and in every segment not yet behind that horizon.
     */
    Set<String> neededReleaseIds(long watermark, long allowedLatenessMs) {
        long horizon = watermark < Long.MIN_VALUE + allowedLatenessMs ? Long.MIN_VALUE : watermark - allowedLatenessMs;
        Set<String> needed = new HashSet<>(timeline.neededReleaseIds(watermark, allowedLatenessMs));
        needed.addAll(timeline.neededShadowIds(watermark, allowedLatenessMs));
        for (Map.Entry<Long, ReleaseTimeline> segment : segments.entrySet()) {
            Long end = segments.higherKey(segment.getKey());
            if (end == null || end > horizon) {
                needed.addAll(segment.getValue().neededReleaseIds(watermark, allowedLatenessMs));
            }
        }
        return needed;
    }

    /** The sha256s of the activations in {@code releaseIds} (what the model cache must keep). */
    Set<String> sha256sOf(Set<String> releaseIds) {
        Set<String> result = new HashSet<>();
        List<ModelRelease> all = new ArrayList<>(activations());
        all.addAll(timeline.shadowActivations(model));
        for (ModelRelease r : all) {
            if (releaseIds.contains(r.releaseId())) {
                result.add(r.sha256());
            }
        }
        return result;
    }

    /** Whether a rollback of {@code r}'s version applies from {@code start} on. */
    private boolean rolledBackAt(ModelRelease r, long start) {
        for (DeprecationAdvisory a : rollbacks.values()) {
            if (a.covers(r) && lateBoundaries.get(a.advisoryId()) <= start) {
                return true;
            }
        }
        return false;
    }

    private void rebuild() {
        timeline = ReleaseTimeline.of(received.values())
                .forSite(site)
                .without(r -> rejected.contains(r.releaseId()));
        // A late release must not move: placed at its boundary it would overtake every newer
        // activation before that boundary. It is left out of the event times before its boundary.
        TreeSet<Long> starts = new TreeSet<>(lateBoundaries.values());
        starts.add(Long.MIN_VALUE);
        TreeMap<Long, ReleaseTimeline> rebuilt = new TreeMap<>();
        for (long start : starts) {
            rebuilt.put(start, timeline.without(r -> {
                Long boundary = lateBoundaries.get(r.releaseId());
                return boundary != null && boundary > start || rolledBackAt(r, start);
            }));
        }
        segments = rebuilt;
    }

    /**
     * What serves at wall-clock {@code now} among {@link #toStageNow}: the earliest still needed
     * plus every release active by then (what a warm start waits for; never a shadow).
     */
    List<ModelRelease> servingAt(long watermark, long now) {
        List<ModelRelease> serving = new ArrayList<>();
        for (ModelRelease release : toStageNow(watermark)) {
            if (!release.shadow() && (serving.isEmpty() || release.activateAt() <= now)) {
                serving.add(release);
            }
        }
        return serving;
    }
}
