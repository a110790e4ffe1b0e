package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;
import dev.edgeinfer.broadcast.timeline.SiteIdentity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * What the control topic says each site should serve, in bounded memory: the releases (deduplicated
 * by release id) and the deprecation advisories, read from the beginning of a topic that may hold
 * thousands of releases.
 *
 * <pre>{@code
 * ReleaseHistory history = new ReleaseHistory(64, System::currentTimeMillis);
 * history.add(release);  history.add(advisory);
 * Optional<ModelRelease> expected = history.expected("sensor-anomaly", site, judgedAt);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Releases are grouped by model, target and whether they are
 * canaries; each group keeps every activation still in the future by the reader's clock and only
 * its {@code keepPerGroup} newest past ones ({@link ModelRelease#ORDER}), so memory grows with the
 * number of distinct targets and of scheduled releases, not with the length of the history. The
 * answers are exact unless all the kept past activations of a group are deprecated, and
 * {@link #lag} counts at most {@code keepPerGroup} per group. A site whose watermark is before an
 * activation already dropped (replaying data older than the kept history) gets no expected
 * version rather than a wrong one. Advisories are kept one per deprecated model version and sha256
 * (their id). Not thread-safe.
 */
final class ReleaseHistory {

    private final int keepPerGroup;
    /** "model|target digest|canary" -> that group's newest activations. */
    private final Map<String, TreeSet<ModelRelease>> groups = new HashMap<>();
    /** release id -> the release kept (a release id is computed, so it is looked up here, not recomputed). */
    private final Map<String, ModelRelease> byId = new HashMap<>();
    private final Map<String, DeprecationAdvisory> advisories = new TreeMap<>();
    /** model -> the newest activation dropped: history before it is incomplete. */
    private final Map<String, Long> droppedUpTo = new HashMap<>();
    private final LongSupplier clock;
    private ReleaseTimeline timeline;

    ReleaseHistory(int keepPerGroup, LongSupplier clock) {
        if (keepPerGroup < 1) {
            throw new IllegalArgumentException("keepPerGroup must be at least 1, got " + keepPerGroup);
        }
        this.keepPerGroup = keepPerGroup;
        this.clock = clock;
    }

    /** Keeps {@code release}; a shadow activation (its id ends in {@code @shadow}) never serves, so it is not kept. */
    void add(ModelRelease release) {
        if (release.shadow()) {
            return;
        }
        // The same release id read again (a replay, or compaction not yet done) replaces the copy held.
        ModelRelease held = byId.put(release.releaseId(), release);
        if (held != null) {
            groups.get(group(held)).remove(held);
        }
        TreeSet<ModelRelease> kept = groups.computeIfAbsent(group(release), g -> new TreeSet<>(ModelRelease.ORDER));
        kept.add(release);
        long now = clock.getAsLong();
        if (kept.size() > keepPerGroup && kept.stream().filter(r -> r.activateAt() <= now).count() > keepPerGroup) {
            ModelRelease oldest = kept.pollFirst();
            byId.remove(oldest.releaseId());
            droppedUpTo.merge(oldest.model(), oldest.activateAt(), Math::max);
        }
        timeline = null;
    }

    private static String group(ModelRelease r) {
        return r.model() + "|" + r.targets().digest() + "|" + r.isCanary();
    }

    void add(DeprecationAdvisory advisory) {
        advisories.put(advisory.advisoryId(), advisory);
    }

    /** Whether activations of {@code model} at or after {@code judgedAt} were dropped: the answer there is unknown. */
    private boolean beforeKeptHistory(String model, long judgedAt) {
        Long dropped = droppedUpTo.get(model);
        return dropped != null && judgedAt <= dropped;
    }

    /** How many releases are held (bounded by groups x {@code keepPerGroup}). */
    int retained() {
        return byId.size();
    }

    /** Whether an advisory marks {@code version} of {@code model} (with {@code sha256}, when known) bad. */
    boolean deprecated(String model, String version, String sha256) {
        for (DeprecationAdvisory a : advisories.values()) {
            if (a.model().equals(model) && a.version().equals(version) && (sha256 == null || a.sha256().equals(sha256))) {
                return true;
            }
        }
        return false;
    }

    /** The activations of {@code model} that apply to {@code site}, in {@link ModelRelease#ORDER}. */
    List<ModelRelease> activations(String model, SiteIdentity site) {
        if (timeline == null) {
            List<ModelRelease> all = new ArrayList<>(byId.size());
            groups.values().forEach(all::addAll);
            timeline = ReleaseTimeline.of(all);
        }
        return timeline.forSite(site).activations(model);
    }

    /**
     * The newest full (not canary), not deprecated release of {@code model} for {@code site}
     * activated at or before {@code judgedAt}: what the site should be serving then.
     */
    Optional<ModelRelease> expected(String model, SiteIdentity site, long judgedAt) {
        if (beforeKeptHistory(model, judgedAt)) {
            return Optional.empty();
        }
        ModelRelease newest = null;
        for (ModelRelease r : activations(model, site)) {
            if (r.activateAt() <= judgedAt && !r.isCanary() && !deprecated(model, r.version(), r.sha256())) {
                newest = r;
            }
        }
        return Optional.ofNullable(newest);
    }

    /**
     * The canary of {@code model} at {@code site} in progress at {@code judgedAt}: the newest
     * activation by then, when it is a canary (a later full activation ends it).
     */
    Optional<ModelRelease> canary(String model, SiteIdentity site, long judgedAt) {
        ModelRelease newest = null;
        for (ModelRelease r : activations(model, site)) {
            if (r.activateAt() <= judgedAt) {
                newest = r;
            }
        }
        return newest != null && newest.isCanary() ? Optional.of(newest) : Optional.empty();
    }

    /** How far a site is behind: {@code releases} it missed, the first of them activated at {@code firstMissedAt}. */
    record Lag(int releases, long firstMissedAt) {
        static final Lag NONE = new Lag(0, Long.MAX_VALUE);
    }

    /**
     * The full, good releases for {@code site} activated after the newest activation of
     * {@code version} and at or before {@code judgedAt}; every one up to then when the version has
     * no activation in the history (e.g. a job's configured initial model).
     */
    Lag lag(String model, String version, SiteIdentity site, long judgedAt) {
        if (beforeKeptHistory(model, judgedAt)) {
            return Lag.NONE;
        }
        long since = Long.MIN_VALUE;
        for (ModelRelease r : activations(model, site)) {
            if (r.version().equals(version) && r.activateAt() <= judgedAt) {
                since = r.activateAt();
            }
        }
        int behind = 0;
        long first = Long.MAX_VALUE;
        for (ModelRelease r : activations(model, site)) {
            if (r.activateAt() > since && r.activateAt() <= judgedAt && !r.isCanary() && !r.version().equals(version)
                    && !deprecated(model, r.version(), r.sha256())) {
                behind++;
                first = Math.min(first, r.activateAt());
            }
        }
        return behind == 0 ? Lag.NONE : new Lag(behind, first);
    }
}
