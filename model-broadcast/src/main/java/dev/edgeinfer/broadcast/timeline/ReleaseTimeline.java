package dev.edgeinfer.broadcast.timeline;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The activation timeline of every model and the pure resolver
 * <i>(model, event time, key[, site]) &rarr; release</i> of the rollover contract.
 *
 * <p>For a model, a record with event time {@code t} and key {@code k} is scored by the
 * <em>winning</em> activation: the latest activation with {@code activateAt <= t}. If that
 * activation is a canary ({@code canaryPercent p < 100}), keys with {@link #bucket(String)
 * bucket(k)} {@code < p} get it, and all other keys get its <em>base</em>: the latest full
 * activation ({@code canaryPercent == 100}) with {@code activateAt <=} the canary's, the canary
 * itself excluded; a canary without a base applies to every key. Records before the first
 * activation resolve to empty. A release with {@link ModelRelease#targets() targets} counts only at
 * the sites it targets ({@link #resolve(String, long, String, SiteIdentity)}): every rule above is
 * applied to the releases that apply to the site, so sites outside a site-scoped rollout keep
 * resolving exactly as before it. A {@link ModelRelease#shadow() shadow} activation never serves
 * and never changes what {@code resolve} returns: it only says which version scores a record
 * <em>beside</em> the serving one ({@link #resolveShadow(String, long, String)}).
 *
 * <pre>{@code
 * ReleaseTimeline timeline = ReleaseTimeline.of(List.of(v1At0, v2At1000, v3Canary10PctAt2000));
 * timeline.resolve("sensor-anomaly", 999, "dev-7");    // v1
 * timeline.resolve("sensor-anomaly", 1000, "dev-7");   // v2 (the boundary belongs to the new version)
 * timeline.resolve("sensor-anomaly", 2500, "dev-7");   // v3 if bucket("dev-7") < 10, else v2
 * timeline = timeline.with(rollbackToV1At3000);         // a new, immutable timeline
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b>
 * <ul>
 *   <li><b>Order-independent.</b> The timeline is a function of the <em>set</em> of releases, not
 *       of their arrival order (Flink does not order broadcast elements across input subtasks):
 *       activations are kept sorted by {@link ModelRelease#ORDER}, i.e. by
 *       {@code (activateAt, publishedAt, version, sha256)}, and of several activations with the
 *       same {@code activateAt} the last in that order wins; the others are kept (see
 *       {@link #activations(String)}) but never resolved.</li>
 *   <li><b>Idempotent.</b> Releases are identified by {@link ModelRelease#releaseId()}; adding the
 *       same release again changes nothing. If two <em>different</em> releases share a releaseId
 *       (a re-publish that changed e.g. the URI or the canary share), the one with the greater
 *       {@code publishedAt} is kept, and on equal {@code publishedAt} the one whose canonical JSON
 *       is lexicographically greater — deterministic, but publishers should not rely on it:
 *       publish a new {@code activateAt} instead.</li>
 *   <li><b>Immutable and thread-safe</b>; {@link #with}/{@link #without} return new timelines in
 *       O(n log n). Timelines are expected to hold tens to thousands of releases, not millions.</li>
 *   <li>Rejected releases are removed by the caller with {@link #without(Predicate)}: a rejection
 *       is a per-site fact (a fetch failed here), so it is not part of the shared timeline.</li>
 * </ul>
 */
public final class ReleaseTimeline {

    private static final ReleaseTimeline EMPTY = new ReleaseTimeline(Map.of());

    /** Among releases sharing a releaseId, the greatest in this order is kept. */
    private static final Comparator<ModelRelease> SAME_ID_PREFERENCE =
            Comparator.comparingLong(ModelRelease::publishedAt)
                    .thenComparing(r -> new String(ModelReleaseJson.toJson(r), StandardCharsets.UTF_8));

    /** releaseId -> release, after de-duplication. */
    private final Map<String, ModelRelease> byId;
    /** model -> its sorted (serving) activations; TreeMap so models() iterates in a stable order. */
    private final Map<String, ModelLine> byModel;
    /** model -> its sorted shadow activations (only models that have some). */
    private final Map<String, ShadowLine> shadowsByModel;
    /** The last site asked about and its timeline (see {@link #forSite}); racy but safe: both are immutable. */
    private volatile SiteView lastSite;

    private ReleaseTimeline(Map<String, ModelRelease> byId) {
        this.byId = Collections.unmodifiableMap(byId);
        Map<String, List<ModelRelease>> grouped = new TreeMap<>();
        Map<String, List<ModelRelease>> shadows = new TreeMap<>();
        for (ModelRelease r : byId.values()) {
            (r.shadow() ? shadows : grouped).computeIfAbsent(r.model(), m -> new ArrayList<>()).add(r);
        }
        Map<String, ModelLine> lines = new TreeMap<>();
        grouped.forEach((model, releases) -> lines.put(model, new ModelLine(releases)));
        this.byModel = Collections.unmodifiableMap(lines);
        Map<String, ShadowLine> shadowLines = new TreeMap<>();
        shadows.forEach((model, releases) -> shadowLines.put(model, new ShadowLine(releases)));
        this.shadowsByModel = Collections.unmodifiableMap(shadowLines);
    }

    /** The timeline without any release. */
    public static ReleaseTimeline empty() {
        return EMPTY;
    }

    /**
     * A timeline of the given releases, in any order, duplicates allowed.
     *
     * @throws NullPointerException if the collection or an element is null
     */
    public static ReleaseTimeline of(Collection<ModelRelease> releases) {
        Objects.requireNonNull(releases, "releases");
        Map<String, ModelRelease> byId = new HashMap<>();
        for (ModelRelease r : releases) {
            Objects.requireNonNull(r, "releases must not contain null");
            byId.merge(r.releaseId(), r, (a, b) -> SAME_ID_PREFERENCE.compare(a, b) >= 0 ? a : b);
        }
        return byId.isEmpty() ? EMPTY : new ReleaseTimeline(byId);
    }

    /** A new timeline that also holds {@code release} (this one is unchanged). */
    public ReleaseTimeline with(ModelRelease release) {
        Objects.requireNonNull(release, "release");
        List<ModelRelease> all = new ArrayList<>(byId.values());
        all.add(release);
        return of(all);
    }

    /** A new timeline without the releases that match {@code drop} (e.g. releases rejected at this site). */
    public ReleaseTimeline without(Predicate<ModelRelease> drop) {
        Objects.requireNonNull(drop, "drop");
        List<ModelRelease> kept = new ArrayList<>();
        for (ModelRelease r : byId.values()) {
            if (!drop.test(r)) {
                kept.add(r);
            }
        }
        return kept.size() == byId.size() ? this : of(kept);
    }

    /**
     * The release that scores a record of {@code model} with event time {@code eventTime} and key
     * {@code key}; empty if the model is unknown or {@code eventTime} precedes its first activation.
     *
     * Every release counts, whatever its {@link ModelRelease#targets() targets}: this is the
     * answer at a site every release targets, or of a timeline already cut to one site
     * ({@link #forSite}).
     *
     * @param key the record key used for canary bucketing; {@code null} is treated as {@code ""}
     */
    public Optional<ModelRelease> resolve(String model, long eventTime, String key) {
        ModelLine line = byModel.get(model);
        if (line == null) {
            return Optional.empty();
        }
        int i = line.lastAtOrBefore(eventTime);
        if (i < 0) {
            return Optional.empty();
        }
        ModelRelease winner = line.acts[i];
        if (!winner.isCanary() || line.base[i] < 0 || bucket(key) < winner.canaryPercent()) {
            return Optional.of(winner);
        }
        return Optional.of(line.acts[line.base[i]]);
    }

    /**
     * The release that scores a record of {@code model} with event time {@code eventTime} and key
     * {@code key} at {@code site}: {@link #resolve(String, long, String)} over the releases that
     * apply to the site ({@link SiteIdentity#accepts}), i.e. those for every site plus those that
     * name its id or one of its labels. A release scoped to other sites is invisible there: it
     * neither wins nor serves as a canary's base. The site's timeline is built once and kept for
     * the next call about the same site.
     */
    public Optional<ModelRelease> resolve(String model, long eventTime, String key, SiteIdentity site) {
        return forSite(site).resolve(model, eventTime, key);
    }

    /**
     * The shadow activation that scores a record of {@code model} at {@code eventTime} with
     * {@code key} beside the serving version, if any: the latest shadow activation with
     * {@code activateAt <= eventTime} (of several at the same time, the last in
     * {@link ModelRelease#ORDER}), unless a serving activation came after it (an
     * {@code activateAt} in {@code (shadow's, eventTime]}: the next rollout step ends a shadow),
     * the key lies outside its share ({@link #bucket(String) bucket(key)} {@code >= canaryPercent}),
     * or it has the version and sha256 that {@link #resolve(String, long, String)} returns (a
     * version never shadows itself). Pure, like {@code resolve}, which it never changes.
     */
    public Optional<ModelRelease> resolveShadow(String model, long eventTime, String key) {
        ShadowLine shadows = shadowsByModel.get(model);
        ModelRelease shadow = shadows == null ? null : shadows.winnerAt(eventTime, servingAt(model));
        if (shadow == null || shadow.isCanary() && bucket(key) >= shadow.canaryPercent()) {
            return Optional.empty();
        }
        Optional<ModelRelease> serving = resolve(model, eventTime, key);
        boolean same = serving.isPresent() && serving.get().version().equals(shadow.version())
                && serving.get().sha256().equals(shadow.sha256());
        return same ? Optional.empty() : Optional.of(shadow);
    }

    /** {@link #resolveShadow(String, long, String)} over the releases that apply to {@code site}. */
    public Optional<ModelRelease> resolveShadow(String model, long eventTime, String key, SiteIdentity site) {
        return forSite(site).resolveShadow(model, eventTime, key);
    }

    private long[] servingAt(String model) {
        return byModel.containsKey(model) ? byModel.get(model).at : new long[0];
    }

    /** The shadow activations of {@code model}, sorted by {@link ModelRelease#ORDER}; empty if none. */
    public List<ModelRelease> shadowActivations(String model) {
        ShadowLine line = shadowsByModel.get(model);
        return line == null ? List.of() : List.of(line.acts);
    }

    /** {@link #neededReleaseIds} for shadows: those a record may still see, keys and the serving version aside. */
    public Set<String> neededShadowIds(long watermark, long allowedLatenessMs) {
        long horizon = watermark < Long.MIN_VALUE + allowedLatenessMs ? Long.MIN_VALUE : watermark - allowedLatenessMs;
        List<String> needed = new ArrayList<>();
        shadowsByModel.forEach((model, shadows) -> shadows.addNeeded(horizon, servingAt(model), needed));
        return Set.copyOf(needed);
    }

    /** The timeline as {@code site} sees it: only the releases that apply there. */
    public ReleaseTimeline forSite(SiteIdentity site) {
        Objects.requireNonNull(site, "site");
        SiteView view = lastSite;
        if (view == null || !view.site.equals(site)) {
            view = new SiteView(site, without(r -> !site.accepts(r)));
            lastSite = view;
        }
        return view.timeline;
    }

    /** The latest {@link #forSite} answer (a cache: the timeline is immutable, so it never goes stale). */
    private record SiteView(SiteIdentity site, ReleaseTimeline timeline) {}

    /**
     * All serving activations of {@code model} (after de-duplication; shadows are in
     * {@link #shadowActivations}), sorted by {@link ModelRelease#ORDER}; includes activations that
     * lose a tie on {@code activateAt} and are therefore never resolved. Empty for an unknown model.
     */
    public List<ModelRelease> activations(String model) {
        ModelLine line = byModel.get(model);
        return line == null ? List.of() : List.of(line.acts);
    }

    /** The models that have at least one serving activation, in name order. */
    public Set<String> models() {
        return byModel.keySet();
    }

    /** Every release (shadows included), sorted by {@link ModelRelease#ORDER}. */
    public List<ModelRelease> releases() {
        List<ModelRelease> all = new ArrayList<>(byId.values());
        all.sort(ModelRelease.ORDER);
        return Collections.unmodifiableList(all);
    }

    /** The release with this id, if present. */
    public Optional<ModelRelease> release(String releaseId) {
        return Optional.ofNullable(byId.get(releaseId));
    }

    /** Number of distinct releases. */
    public int size() {
        return byId.size();
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    /**
     * The first activation of {@code model} that takes effect strictly after {@code eventTime}
     * (the winner, if several share its {@code activateAt}); empty if none is scheduled. Operators
     * use it to know which version to stage next and until when the current one owns the stream.
     */
    public Optional<ModelRelease> nextActivationAfter(String model, long eventTime) {
        ModelLine line = byModel.get(model);
        if (line == null) {
            return Optional.empty();
        }
        int first = line.lastAtOrBefore(eventTime) + 1;
        if (first >= line.acts.length) {
            return Optional.empty();
        }
        return Optional.of(line.acts[line.lastAtOrBefore(line.at[first])]);
    }

    /**
     * The ids of the releases that some record may still resolve to, given the current
     * {@code watermark} and the allowed lateness: a release is needed if a record of its model
     * with event time {@code t >= watermark - allowedLatenessMs} resolves to it for some key.
     * That is, per model: the activation that wins at the horizon, every winning activation after
     * it, and for each of those canaries its base full activation. Everything else (fully
     * superseded releases, tie losers) can be unloaded.
     *
     * <p>Caveat: "needed" is about <em>this</em> timeline; a release published later with an
     * earlier {@code activateAt} (a late activation) can make a previously unneeded release needed
     * again, so callers should fetch from the content-addressed cache rather than assume gone
     * means never.
     *
     * @param watermark the current event-time watermark (may be {@link Long#MIN_VALUE})
     * @param allowedLatenessMs how far behind the watermark records are still scored, {@code >= 0}
     * @throws IllegalArgumentException if {@code allowedLatenessMs < 0}
     */
    public Set<String> neededReleaseIds(long watermark, long allowedLatenessMs) {
        if (allowedLatenessMs < 0) {
            throw new IllegalArgumentException("allowedLatenessMs must be >= 0, got " + allowedLatenessMs);
        }
        // Saturate instead of overflowing: Flink's initial watermark is Long.MIN_VALUE.
        long horizon = watermark < Long.MIN_VALUE + allowedLatenessMs ? Long.MIN_VALUE : watermark - allowedLatenessMs;
        Set<String> needed = new LinkedHashSet<>();
        for (ModelLine line : byModel.values()) {
            int start = Math.max(0, line.lastAtOrBefore(horizon));
            for (int i = start; i < line.acts.length; i++) {
                boolean tieLoser = i + 1 < line.acts.length && line.at[i + 1] == line.at[i];
                if (tieLoser) {
                    continue;
                }
                needed.add(line.acts[i].releaseId());
                if (line.acts[i].isCanary() && line.base[i] >= 0) {
                    needed.add(line.acts[line.base[i]].releaseId());
                }
            }
        }
        return Collections.unmodifiableSet(needed);
    }

    /**
     * The canary bucket of a key: a stable hash of its UTF-8 bytes in {@code [0, 100)}, identical
     * on every JVM, platform and run (unlike {@link String#hashCode()}, whose use here would tie
     * the canary split to an implementation detail).
     *
     * <p>Algorithm (a published contract — changing it moves keys between versions): 32-bit
     * FNV-1a over the UTF-8 bytes (offset basis {@code 0x811C9DC5}, prime {@code 0x01000193}),
     * then the murmur3 {@code fmix32} finaliser (FNV-1a alone leaves short, similar keys such as
     * {@code dev-1..dev-9} poorly spread in the low digits), then the unsigned value modulo 100.
     * A {@code null} key is hashed as {@code ""}.
     */
    public static int bucket(String key) {
        byte[] bytes = (key == null ? "" : key).getBytes(StandardCharsets.UTF_8);
        int h = 0x811C9DC5;
        for (byte b : bytes) {
            h ^= (b & 0xFF);
            h *= 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return Integer.remainderUnsigned(h, 100);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleaseTimeline t && byId.equals(t.byId);
    }

    @Override
    public int hashCode() {
        return byId.hashCode();
    }

    @Override
    public String toString() {
        return "ReleaseTimeline" + releases().stream().map(ModelRelease::releaseId).toList();
    }

    /** One model's activations, sorted, with precomputed canary bases for O(log n) resolution. */
    private static final class ModelLine {
        final ModelRelease[] acts;
        final long[] at;
        /** base[i] = index of the latest full activation before i (in ORDER), or -1. */
        final int[] base;

        ModelLine(List<ModelRelease> releases) {
            acts = releases.toArray(new ModelRelease[0]);
            Arrays.sort(acts, ModelRelease.ORDER);
            at = new long[acts.length];
            base = new int[acts.length];
            int lastFull = -1;
            for (int i = 0; i < acts.length; i++) {
                at[i] = acts[i].activateAt();
                // Any full activation before i in ORDER has activateAt <= at[i]; when i wins, that is
                // exactly "latest full with activateAt <= the canary's, the canary excluded".
                base[i] = lastFull;
                if (!acts[i].isCanary()) {
                    lastFull = i;
                }
            }
        }

        /** Index of the last activation with activateAt <= t (the tie winner), or -1. */
        int lastAtOrBefore(long t) {
            return ShadowLine.lastAtOrBefore(at, t);
        }
    }
}
