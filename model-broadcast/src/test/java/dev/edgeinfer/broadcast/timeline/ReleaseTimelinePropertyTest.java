package dev.edgeinfer.broadcast.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.release.ReleaseTarget;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Property-style checks over random timelines (seeded, so failures reproduce): arrival order and
 * duplicates never change answers, the resolver matches a naive transcription of the spec, and
 * {@code neededReleaseIds} is exactly the set of releases some late-enough record resolves to; with
 * site-scoped releases, every site's answers match the naive reading applied to the releases for
 * that site, whatever the arrival order and whatever is published for other sites; with shadow
 * activations among them, serving answers stay exactly those without the shadows, and the shadow
 * resolver matches its own naive transcription at every site.
 */
class ReleaseTimelinePropertyTest {

    private static final int TRIALS = 200;
    /** Random release sets of the site properties, each checked at every one of {@link #SITES}. */
    private static final int SITE_TRIALS = 50;
    private static final List<String> MODELS = List.of("a", "b");
    private static final long MAX_T = 100;
    /** Keys that together cover all 100 buckets, so both sides of every canary split are exercised. */
    private static final List<String> KEYS = coveringKeys();

    private static List<String> coveringKeys() {
        BitSet seen = new BitSet(100);
        List<String> keys = new ArrayList<>();
        for (int i = 0; seen.cardinality() < 100; i++) {
            String key = "key-" + i;
            int b = ReleaseTimeline.bucket(key);
            if (!seen.get(b)) {
                seen.set(b);
                keys.add(key);
            }
        }
        return keys;
    }

    private static List<ModelRelease> randomReleases(Random rnd) {
        int n = 1 + rnd.nextInt(10);
        List<ModelRelease> releases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String model = MODELS.get(rnd.nextInt(MODELS.size()));
            String version = "v" + rnd.nextInt(4);
            int[] percents = {100, 100, 100, 1, 10, 50, 99};
            releases.add(Releases.release(model, version, 10L * rnd.nextInt(11)) // few distinct times: many ties
                    .sha256(Releases.sha(model + version + rnd.nextInt(2)))
                    .canaryPercent(percents[rnd.nextInt(percents.length)])
                    .publishedAt(rnd.nextInt(3))
                    .build());
        }
        return releases;
    }

    /** Sites with overlapping labels, and one nothing targets by name. */
    private static final List<SiteIdentity> SITES = List.of(
            new SiteIdentity("plant-1", Map.of("wave", "1")),
            new SiteIdentity("plant-2", Map.of("wave", "2", "region", "north")),
            new SiteIdentity("plant-3", Map.of("region", "north")),
            SiteIdentity.of("plant-9"));

    private static final List<ReleaseTarget> TARGETS = List.of(
            ReleaseTarget.of(List.of("plant-1"), List.of()),
            ReleaseTarget.of(List.of("plant-2", "plant-3"), List.of()),
            ReleaseTarget.of(List.of(), List.of("wave=1")),
            ReleaseTarget.of(List.of(), List.of("region=north", "wave=7")),
            ReleaseTarget.of(List.of("plant-3"), List.of("wave=2")));

    /** Like {@link #randomReleases}, but about half the releases name sites or labels. */
    private static List<ModelRelease> randomTargetedReleases(Random rnd) {
        List<ModelRelease> releases = new ArrayList<>();
        for (ModelRelease r : randomReleases(rnd)) {
            releases.add(rnd.nextBoolean() ? r : r.toBuilder().targets(TARGETS.get(rnd.nextInt(TARGETS.size()))).build());
        }
        return releases;
    }

    /** Like {@link #randomTargetedReleases}, but about a third of the releases are shadow activations. */
    private static List<ModelRelease> randomShadowReleases(Random rnd) {
        List<ModelRelease> releases = new ArrayList<>();
        for (ModelRelease r : randomTargetedReleases(rnd)) {
            releases.add(rnd.nextInt(3) == 0 ? r.toBuilder().shadow(true).build() : r);
        }
        return releases;
    }

    /** A question to a timeline: which release serves {@code key} of {@code model} at {@code time}. */
    @FunctionalInterface
    private interface Query {
        void ask(String model, long time, String key);
    }

    /** Every model, every time from just before the first to just after the last activation, every key. */
    private static void forEveryQuery(Query query) {
        for (String model : MODELS) {
            for (long time = -1; time <= MAX_T + 1; time++) {
                for (String key : KEYS) {
                    query.ask(model, time, key);
                }
            }
        }
    }

    private static List<String> answers(ReleaseTimeline t) {
        List<String> out = new ArrayList<>();
        forEveryQuery((model, time, key) -> out.add(t.resolve(model, time, key).map(ModelRelease::releaseId).orElse("-")));
        return out;
    }

    /** A property checked on one random set of releases. */
    @FunctionalInterface
    private interface Trial {
        void check(int trial, Random rnd, List<ModelRelease> releases);
    }

    /** Checks {@code trial} on {@value #TRIALS} random release sets drawn from one seeded random, so a failure reproduces. */
    private static void forRandomReleases(long seed, Trial trial) {
        Random rnd = new Random(seed);
        for (int n = 0; n < TRIALS; n++) {
            trial.check(n, rnd, randomReleases(rnd));
        }
    }

    @Test
    void everyArrivalOrderAndAnyDuplicatesGiveIdenticalAnswers() {
        forRandomReleases(20261127L, (trial, rnd, releases) -> {
            ReleaseTimeline reference = ReleaseTimeline.of(releases);
            List<String> expected = answers(reference);
            for (int shuffle = 0; shuffle < 3; shuffle++) {
                List<ModelRelease> arrival = new ArrayList<>(releases);
                for (int d = rnd.nextInt(4); d > 0; d--) {
                    arrival.add(releases.get(rnd.nextInt(releases.size())));
                }
                Collections.shuffle(arrival, rnd);
                // Build incrementally, as a broadcast function would, one element at a time.
                ReleaseTimeline incremental = ReleaseTimeline.empty();
                for (ModelRelease r : arrival) {
                    incremental = incremental.with(r);
                }
                assertThat(incremental).as("trial %d shuffle %d", trial, shuffle).isEqualTo(reference);
                assertThat(answers(incremental)).as("trial %d shuffle %d", trial, shuffle).isEqualTo(expected);
                assertThat(answers(ReleaseTimeline.of(arrival))).isEqualTo(expected);
            }
        });
    }

    @Test
    void resolverMatchesANaiveReadingOfTheContract() {
        forRandomReleases(42L, (trial, rnd, releases) -> {
            ReleaseTimeline t = ReleaseTimeline.of(releases);
            List<ModelRelease> distinct = dedupe(releases);
            int n = trial;
            forEveryQuery((model, time, key) -> assertThat(t.resolve(model, time, key))
                    .as("trial %d %s t=%d key=%s", n, model, time, key)
                    .isEqualTo(naiveResolve(distinct, model, time, key)));
        });
    }

    @Test
    void siteScopedAndCanaryResolutionMatchesANaiveReadingOfTheContractAtEverySite() {
        Random rnd = new Random(20261130L);
        for (int trial = 0; trial < SITE_TRIALS; trial++) { // x every site: as many site timelines as TRIALS
            List<ModelRelease> releases = randomTargetedReleases(rnd);
            ReleaseTimeline t = ReleaseTimeline.of(releases);
            List<ModelRelease> distinct = dedupe(releases);
            for (SiteIdentity site : SITES) {
                List<ModelRelease> here = distinct.stream().filter(r -> naiveApplies(r, site)).toList();
                ReleaseTimeline forSite = t.forSite(site);
                int n = trial;
                forEveryQuery((model, time, key) -> {
                    Optional<ModelRelease> expected = naiveResolve(here, model, time, key);
                    assertThat(t.resolve(model, time, key, site))
                            .as("trial %d %s %s t=%d key=%s", n, site.id(), model, time, key)
                            .isEqualTo(expected);
                    assertThat(forSite.resolve(model, time, key)).isEqualTo(expected);
                });
            }
        }
    }

    @Test
    void siteAnswersDoNotDependOnArrivalOrderDuplicatesOrReleasesForOtherSites() {
        Random rnd = new Random(31L);
        for (int trial = 0; trial < SITE_TRIALS; trial++) {
            List<ModelRelease> releases = randomTargetedReleases(rnd);
            List<ModelRelease> arrival = new ArrayList<>(releases);
            arrival.add(releases.get(rnd.nextInt(releases.size())));
            Collections.shuffle(arrival, rnd);
            ReleaseTimeline incremental = ReleaseTimeline.empty();
            for (ModelRelease r : arrival) {
                incremental = incremental.with(r);
            }
            for (SiteIdentity site : SITES) {
                List<String> expected = answers(ReleaseTimeline.of(releases), site);
                assertThat(answers(incremental, site)).as("trial %d %s", trial, site.id()).isEqualTo(expected);
                // Sites outside a rollout keep resolving as before it: drop every release not for this site.
                List<ModelRelease> onlyHere = releases.stream().filter(r -> naiveApplies(r, site)).toList();
                assertThat(answers(ReleaseTimeline.of(onlyHere), site)).as("trial %d %s", trial, site.id())
                        .isEqualTo(expected);
            }
        }
    }

    private static List<String> answers(ReleaseTimeline t, SiteIdentity site) {
        List<String> out = new ArrayList<>();
        forEveryQuery((model, time, key) ->
                out.add(t.resolve(model, time, key, site).map(ModelRelease::releaseId).orElse("-")));
        return out;
    }

    @Test
    void neededReleaseIdsAreExactlyWhatLateEnoughRecordsResolveTo() {
        forRandomReleases(7L, (trial, rnd, releases) -> {
            ReleaseTimeline t = ReleaseTimeline.of(releases);
            long watermark = rnd.nextInt((int) MAX_T + 30) - 10;
            long lateness = rnd.nextInt(40);
            Set<String> bruteForce = new HashSet<>();
            for (String model : MODELS) {
                // Every t >= horizon up to past the last activation; beyond that nothing changes.
                for (long time = watermark - lateness; time <= MAX_T + 1; time++) {
                    for (String key : KEYS) {
                        t.resolve(model, time, key).ifPresent(r -> bruteForce.add(r.releaseId()));
                    }
                }
            }
            if (watermark - lateness > MAX_T + 1) {
                for (String model : MODELS) {
                    for (String key : KEYS) {
                        t.resolve(model, watermark - lateness, key).ifPresent(r -> bruteForce.add(r.releaseId()));
                    }
                }
            }
            Set<String> needed = t.neededReleaseIds(watermark, lateness);
            assertThat(needed).as("trial %d never drops a release that a record can resolve to", trial)
                    .containsAll(bruteForce);
            assertThat(bruteForce).as("trial %d drops everything superseded", trial).containsAll(needed);
        });
    }

    @Test
    void shadowActivationsNeverChangeWhatServesAtAnySite() {
        Random rnd = new Random(20261201L);
        for (int trial = 0; trial < SITE_TRIALS; trial++) {
            List<ModelRelease> releases = randomShadowReleases(rnd);
            ReleaseTimeline with = ReleaseTimeline.of(releases);
            ReleaseTimeline without = ReleaseTimeline.of(releases.stream().filter(r -> !r.shadow()).toList());
            for (SiteIdentity site : SITES) {
                assertThat(answers(with, site)).as("trial %d %s", trial, site.id()).isEqualTo(answers(without, site));
            }
            assertThat(with.neededReleaseIds(Long.MIN_VALUE, 0)).isEqualTo(without.neededReleaseIds(Long.MIN_VALUE, 0));
        }
    }

    @Test
    void shadowResolutionMatchesANaiveReadingOfTheContractAtEverySiteWhateverTheArrivalOrder() {
        Random rnd = new Random(20261202L);
        for (int trial = 0; trial < SITE_TRIALS; trial++) {
            List<ModelRelease> releases = randomShadowReleases(rnd);
            ReleaseTimeline t = ReleaseTimeline.of(releases);
            List<ModelRelease> arrival = new ArrayList<>(releases);
            arrival.add(releases.get(rnd.nextInt(releases.size())));
            Collections.shuffle(arrival, rnd);
            ReleaseTimeline incremental = ReleaseTimeline.empty();
            for (ModelRelease r : arrival) {
                incremental = incremental.with(r);
            }
            List<ModelRelease> distinct = dedupe(releases);
            for (SiteIdentity site : SITES) {
                List<ModelRelease> here = distinct.stream().filter(r -> naiveApplies(r, site)).toList();
                int n = trial;
                ReleaseTimeline other = incremental;
                forEveryQuery((model, time, key) -> {
                    Optional<ModelRelease> expected = naiveShadow(here, model, time, key);
                    assertThat(t.resolveShadow(model, time, key, site))
                            .as("trial %d %s %s t=%d key=%s", n, site.id(), model, time, key)
                            .isEqualTo(expected);
                    assertThat(other.resolveShadow(model, time, key, site)).isEqualTo(expected);
                });
            }
        }
    }

    @Test
    void neededShadowIdsNeverDropAShadowALateEnoughRecordSeesAndHoldNothingEnded() {
        Random rnd = new Random(20261203L);
        for (int trial = 0; trial < TRIALS; trial++) {
            List<ModelRelease> releases = randomShadowReleases(rnd);
            ReleaseTimeline t = ReleaseTimeline.of(releases);
            List<ModelRelease> distinct = dedupe(releases);
            long horizon = rnd.nextInt((int) MAX_T + 30) - 10;
            Set<String> seen = new HashSet<>();
            Set<String> winners = new HashSet<>();
            for (String model : MODELS) {
                for (long time = horizon; time <= Math.max(horizon, MAX_T + 1); time++) {
                    naiveShadowWinner(distinct, model, time).ifPresent(r -> winners.add(r.releaseId()));
                    for (String key : KEYS) {
                        t.resolveShadow(model, time, key).ifPresent(r -> seen.add(r.releaseId()));
                    }
                }
            }
            Set<String> needed = t.neededShadowIds(horizon, 0);
            assertThat(needed).as("trial %d", trial).containsAll(seen);
            assertThat(winners).as("trial %d", trial).containsAll(needed);
        }
    }

    // --- naive reference, written from the rollover contract (docs/architecture.md) without the production data structures ---

    private static final Comparator<ModelRelease> TIE_ORDER = Comparator.comparingLong(ModelRelease::activateAt)
            .thenComparingLong(ModelRelease::publishedAt)
            .thenComparing(ModelRelease::version)
            .thenComparing(ModelRelease::sha256)
            .thenComparing(ModelRelease::releaseId);

    private static List<ModelRelease> dedupe(List<ModelRelease> releases) {
        Map<String, ModelRelease> byId = new HashMap<>();
        for (ModelRelease r : releases) {
            byId.merge(r.releaseId(), r, (a, b) -> {
                int c = Long.compare(a.publishedAt(), b.publishedAt());
                if (c == 0) {
                    c = new String(ModelReleaseJson.toJson(a), StandardCharsets.UTF_8)
                            .compareTo(new String(ModelReleaseJson.toJson(b), StandardCharsets.UTF_8));
                }
                return c >= 0 ? a : b;
            });
        }
        return new ArrayList<>(byId.values());
    }

    /** A release applies to a site that it does not scope, or whose id or one of whose labels it names. */
    private static boolean naiveApplies(ModelRelease r, SiteIdentity site) {
        List<String> sites = r.targets().sites();
        List<String> labels = r.targets().labels();
        if (sites.isEmpty() && labels.isEmpty()) {
            return true;
        }
        return sites.contains(site.id())
                || site.labels().entrySet().stream().anyMatch(l -> labels.contains(l.getKey() + "=" + l.getValue()));
    }

    private static Optional<ModelRelease> naiveResolve(List<ModelRelease> releases, String model, long t, String key) {
        Optional<ModelRelease> winner = releases.stream()
                .filter(r -> r.model().equals(model) && r.activateAt() <= t)
                .max(TIE_ORDER);
        if (winner.isEmpty() || !winner.get().isCanary()) {
            return winner;
        }
        ModelRelease canary = winner.get();
        if (ReleaseTimeline.bucket(key) < canary.canaryPercent()) {
            return winner;
        }
        Optional<ModelRelease> base = releases.stream()
                .filter(r -> r.model().equals(model) && !r.isCanary() && r.activateAt() <= canary.activateAt()
                        && !r.releaseId().equals(canary.releaseId()))
                .max(TIE_ORDER);
        return base.isPresent() ? base : winner;
    }

    /**
     * The shadow contract, read naively: the latest shadow activation at or before {@code t}
     * (ties: last in the order), unless a serving activation came after it and at or before
     * {@code t}; then only keys inside its share, and never the version that serves the record.
     */
    private static Optional<ModelRelease> naiveShadow(List<ModelRelease> here, String model, long t, String key) {
        Optional<ModelRelease> shadow = naiveShadowWinner(here, model, t);
        if (shadow.isEmpty() || ReleaseTimeline.bucket(key) >= shadow.get().canaryPercent()) {
            return Optional.empty();
        }
        List<ModelRelease> serving = here.stream().filter(r -> !r.shadow()).toList();
        Optional<ModelRelease> served = naiveResolve(serving, model, t, key);
        boolean itself = served.isPresent() && served.get().version().equals(shadow.get().version())
                && served.get().sha256().equals(shadow.get().sha256());
        return itself ? Optional.empty() : shadow;
    }

    /** The shadow in effect at {@code t}, keys and the serving version aside. */
    private static Optional<ModelRelease> naiveShadowWinner(List<ModelRelease> here, String model, long t) {
        Optional<ModelRelease> shadow = here.stream()
                .filter(r -> r.shadow() && r.model().equals(model) && r.activateAt() <= t)
                .max(TIE_ORDER);
        boolean ended = shadow.isPresent() && here.stream().anyMatch(r -> !r.shadow() && r.model().equals(model)
                && r.activateAt() > shadow.get().activateAt() && r.activateAt() <= t);
        return ended ? Optional.empty() : shadow;
    }
}
