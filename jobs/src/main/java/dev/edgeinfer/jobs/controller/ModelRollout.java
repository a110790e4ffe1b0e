package dev.edgeinfer.jobs.controller;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.broadcast.status.ScoreDrift;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rollout controller's judgement of one model, fed the model's releases (from the control
 * topic) and its heartbeats (from the status topic); pure and deterministic: the same records in
 * the same order give the same decisions, with the same release ids.
 *
 * <p>What is judged: the newest release in effect (by the heartbeat's time), when it brings a new
 * version (a canary, a site wave or a full activation) and neither this controller published it
 * nor a decision on it was already taken. It is rolled back, to the newest earlier full activation
 * of another version that was not itself rolled back, for the sites it targets, as soon as its
 * evidence over the window (at least {@link RolloutPolicy#minRecords()} records) trips one
 * threshold; a canary or site wave is promoted to every key and site once healthy for
 * {@link RolloutPolicy#promoteDwell()} without a break. A version rolled back (or deprecated) is
 * never promoted. The decided release ids are also read back from the releases this controller
 * published ({@link #META_JUDGED} in their metadata), so a controller started afresh on the
 * control topic's history decides nothing twice.
 */
public final class ModelRollout implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Metadata of a published release: {@code ROLLBACK} or {@code PROMOTE}. */
    public static final String META_ACTION = "edgeinfer.controller.action";
    /** Metadata of a published release: the id of the release it judged. */
    public static final String META_JUDGED = "edgeinfer.controller.judged-release";
    /** Metadata of a published release: the version it judged. */
    public static final String META_JUDGED_VERSION = "edgeinfer.controller.judged-version";

    /** What the controller publishes, before it is signed. */
    public record Proposal(RolloutDecision.Action action, ModelRelease release, ModelRelease judged, String reason,
            String detail, RolloutDecision.Evidence evidence, long at) {

        /** The decision once {@link #release()} was signed as {@code signed}. */
        public RolloutDecision decision(ModelRelease signed) {
            return new RolloutDecision(signed.model(), action, judged.releaseId(), judged.version(), signed.version(),
                    signed.releaseId(), signed.targets(), signed.activateAt(), signed.signedBy(), reason, detail,
                    evidence, at);
        }
    }

    private static final String SHADOW = ModelRelease.SHADOW_ID_SUFFIX;

    private final String model;
    private final RolloutPolicy policy;
    private final String controllerName;
    private final Map<String, ModelRelease> releases = new TreeMap<>();
    private final Map<String, VersionWindow> windows = new HashMap<>();
    private final Set<String> decided = new HashSet<>();
    private final Set<String> neverPromote = new HashSet<>();
    private final Map<String, Long> healthySince = new HashMap<>();
    private long now = Long.MIN_VALUE;

    /**
     * @param controllerName the publisher name of the controller's releases (they are never judged)
     */
    public ModelRollout(String model, RolloutPolicy policy, String controllerName) {
        this.model = requireText("model", model);
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        this.controllerName = requireText("controllerName", controllerName);
    }

    /** A release of this model from the control topic (a re-published id keeps the first copy). */
    public void release(ModelRelease r) {
        requireModel(r.model());
        releases.putIfAbsent(r.releaseId(), r);
        String judged = r.metadata(META_JUDGED);
        if (judged != null && controllerName.equals(r.publisher())) {
            decided.add(judged);
            if (RolloutDecision.Action.ROLLBACK.name().equals(r.metadata(META_ACTION))
                    && r.metadata(META_JUDGED_VERSION) != null) {
                neverPromote.add(r.metadata(META_JUDGED_VERSION));
            }
        }
    }

    /** A deprecation advisory: the version is never promoted. */
    public void advisory(DeprecationAdvisory a) {
        requireModel(a.model());
        neverPromote.add(a.version());
    }

    /** Versions this controller will never promote (rolled back or deprecated). */
    public Set<String> neverPromoted() {
        return Set.copyOf(neverPromote);
    }

    /**
     * One status report of this model; heartbeats with health add evidence, and may decide.
     *
     * @param agreement the shadow agreement the heartbeat reports, or {@code null}
     */
    public Optional<Proposal> heartbeat(ModelStatus s, Double agreement) {
        requireModel(s.model());
        if (s.state() != ModelStatus.State.HEARTBEAT || s.health() == null || s.version() == null) {
            return Optional.empty();
        }
        // A shadow version's heartbeats (release id ending in @shadow) are kept apart: they say how it
        // agrees with the serving version, not how it serves.
        boolean shadowBeat = ModelRelease.isShadowId(s.releaseId());
        windows.computeIfAbsent(shadowBeat ? s.version() + SHADOW : s.version(), v -> new VersionWindow())
                .add(s, agreement);
        now = Math.max(now, s.at());
        long from = now - policy.window().toMillis();
        windows.values().forEach(w -> w.evictBefore(from));
        List<ModelRelease> inEffect = new ArrayList<>(releases.values().stream()
                .filter(r -> r.activateAt() <= now && !r.shadow()).sorted(ModelRelease.ORDER).toList());
        if (inEffect.isEmpty()) {
            return Optional.empty();
        }
        ModelRelease judged = inEffect.remove(inEffect.size() - 1);
        if (controllerName.equals(judged.publisher()) || decided.contains(judged.releaseId())) {
            return Optional.empty();
        }
        Optional<ModelRelease> current = inEffect.stream()
                .filter(r -> !r.isCanary() && r.targets().isAll()).reduce((a, b) -> b);
        if (current.isPresent() && current.get().version().equals(judged.version())) {
            return Optional.empty(); // not a new version
        }
        Optional<ModelRelease> previous = inEffect.stream()
                .filter(r -> !r.isCanary() && !r.version().equals(judged.version()) && !neverPromote.contains(r.version())
                        && (r.targets().isAll() || r.targets().equals(judged.targets())))
                .reduce((a, b) -> b);
        return judge(judged, previous);
    }

    private Optional<Proposal> judge(ModelRelease judged, Optional<ModelRelease> previous) {
        String id = judged.releaseId();
        VersionWindow window = windows.get(judged.version());
        VersionWindow.Totals t = window == null ? null
                : window.totals(Math.max(judged.activateAt(), now - policy.window().toMillis()));
        if (t == null || t.records() < policy.minRecords()) {
            healthySince.remove(id);
            return Optional.empty();
        }
        Double psi = null;
        if (previous.isPresent() && windows.containsKey(previous.get().version())) {
            long[] reference = windows.get(previous.get().version()).allTimeBins();
            if (java.util.Arrays.stream(reference).sum() >= policy.minRecords()) {
                psi = ScoreDrift.psi(t.bins(), reference);
            }
        }
        Double agreement = shadowAgreement(judged.version(), t);
        double errorRate = t.errorRate();
        long budget = policy.latencyBudgetMicros();
        String reason = null;
        String detail = null;
        if (errorRate > policy.tripErrorRate()) {
            reason = "ERROR_RATE";
            detail = String.format(Locale.ROOT, "error rate %.4f > %.4f (%d errors, %d NaN/Inf, of %d records)",
                    errorRate, policy.tripErrorRate(), t.errors(), t.nonFinite(), t.records());
        } else if (budget > 0 && t.p99Micros() != null && t.p99Micros() > budget) {
            reason = "LATENCY_P99";
            detail = "p99 " + t.p99Micros() + " us > budget " + budget + " us";
        } else if (psi != null && psi > policy.tripPsi()) {
            reason = "OUTPUT_DRIFT";
            detail = String.format(Locale.ROOT, "score PSI %.3f against %s > %.3f (anomaly share %.3f)", psi,
                    previous.get().version(), policy.tripPsi(), highShare(t.bins()));
        } else if (agreement != null && agreement < policy.tripAgreement()) {
            reason = "SHADOW_AGREEMENT";
            detail = String.format(Locale.ROOT, "shadow agreement %.4f < %.4f", agreement, policy.tripAgreement());
        }
        if (reason != null) {
            healthySince.remove(id);
            if (previous.isEmpty()) {
                return Optional.empty(); // nothing earlier to go back to
            }
            return Optional.of(decide(RolloutDecision.Action.ROLLBACK, judged, previous.get(), judged.targets(),
                    reason, detail + "; back to " + previous.get().version(), evidence(t, psi, agreement, null)));
        }
        boolean healthy = errorRate <= policy.clearErrorRate()
                && (budget == 0 || t.p99Micros() == null || t.p99Micros() <= budget * policy.clearLatencyFraction())
                && (psi == null || psi <= policy.clearPsi())
                && (agreement == null || agreement >= policy.clearAgreement());
        if (!healthy) {
            healthySince.remove(id);
            return Optional.empty();
        }
        long since = healthySince.computeIfAbsent(id, k -> now);
        boolean promotable = (judged.isCanary() || !judged.targets().isAll()) && !neverPromote.contains(judged.version());
        if (!promotable || now - since < policy.promoteDwell().toMillis()) {
            return Optional.empty();
        }
        String healthyDetail = String.format(Locale.ROOT,
                "healthy for %d s >= %d s: error rate %.4f <= %.4f, p99 %s us, PSI %s, over %d records from %s",
                (now - since) / 1000, policy.promoteDwell().toSeconds(), errorRate, policy.clearErrorRate(),
                t.p99Micros() == null ? "-" : t.p99Micros().toString(),
                psi == null ? "-" : String.format(Locale.ROOT, "%.3f", psi), t.records(), t.sites());
        return Optional.of(decide(RolloutDecision.Action.PROMOTE, judged, judged, ReleaseTarget.ALL,
                "HEALTHY_FOR_DWELL", healthyDetail, evidence(t, psi, agreement, since)));
    }

    private Proposal decide(RolloutDecision.Action action, ModelRelease judged, ModelRelease template,
            ReleaseTarget scope, String reason, String detail, RolloutDecision.Evidence evidence) {
        ModelRelease published = template.toBuilder()
                .unsigned()
                .activateAt(now + policy.activationLead().toMillis())
                .canaryPercent(100)
                .targets(scope)
                .publisher(controllerName)
                .publishedAt(now)
                .putMetadata(META_ACTION, action.name())
                .putMetadata(META_JUDGED, judged.releaseId())
                .putMetadata(META_JUDGED_VERSION, judged.version())
                .build();
        decided.add(judged.releaseId());
        healthySince.remove(judged.releaseId());
        if (action == RolloutDecision.Action.ROLLBACK) {
            neverPromote.add(judged.version());
        }
        releases.putIfAbsent(published.releaseId(), published);
        return new Proposal(action, published, judged, reason, detail, evidence, now);
    }

    private static RolloutDecision.Evidence evidence(VersionWindow.Totals t, Double psi, Double agreement, Long since) {
        return new RolloutDecision.Evidence(t.heartbeats(), t.records(), t.errors(), t.nonFinite(), t.errorRate(),
                t.p99Micros(), psi, agreement, new ArrayList<>(t.sites()), t.fromAt(), since);
    }

    /**
     * The agreement with the serving version that {@code version}'s shadow heartbeats report over
     * the window, else what its own heartbeats report; null when none compared anything.
     */
    private Double shadowAgreement(String version, VersionWindow.Totals own) {
        VersionWindow shadow = windows.get(version + SHADOW);
        Double fromShadow = shadow == null ? null : shadow.totals(now - policy.window().toMillis()).agreement();
        return fromShadow != null ? fromShadow : own.agreement();
    }

    /** The share of scores at or above 0.5 (the upper half of the bins). */
    private static double highShare(long[] bins) {
        long all = java.util.Arrays.stream(bins).sum();
        long high = 0;
        for (int b = bins.length / 2; b < bins.length; b++) {
            high += bins[b];
        }
        return all == 0 ? 0 : (double) high / all;
    }

    private void requireModel(String other) {
        if (!model.equals(other)) {
            throw new IllegalArgumentException("this rollout judges model '" + model + "', got a record of '" + other + "'");
        }
    }

    private static String requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be null or blank, got '" + value + "'");
        }
        return value;
    }
}
