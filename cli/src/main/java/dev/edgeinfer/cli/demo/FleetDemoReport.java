package dev.edgeinfer.cli.demo;

import java.util.List;
import java.util.Map;

/**
 * What {@code edgeinfer demo --fleet --report FILE} writes: the counts of every site summed (each
 * result checked against its own site's release timeline: {@code misrouted}), each site's own
 * counts, the rollout controller's decisions, and the census at the end. Field names are a
 * contract: add fields, never rename.
 *
 * @param misrouted results whose version differs from what their site's timeline assigns them (the
 *     releases that site accepts: those signed by a key it trusts, targeting it)
 * @param perSite each site's counts
 * @param fleet the fleet block: sites, controller promotions and rollbacks, STALE and PROBLEMATIC sites at the end
 * @param decisions the controller's decisions, one line each
 * @param census the census rows at the end
 */
public record FleetDemoReport(
        long inputs,
        long windows,
        long results,
        long duplicates,
        long lost,
        long misrouted,
        long deadLettered,
        long malformedInjected,
        Map<String, Long> perVersion,
        LatencyMs latencyMs,
        LatencyMs latencyMsFirst5s,
        LatencyMs latencyMsSteady,
        Map<String, Long> deadLetterReasons,
        Map<String, Long> statusCounts,
        Map<String, Site> perSite,
        Fleet fleet,
        List<String> decisions,
        List<String> census,
        double seconds) implements DemoReport {

    /** One site's counts. */
    public record Site(String labels, boolean trustsController, long inputs, long windows, long results, long lost,
            long misrouted, Map<String, Long> perVersion, String servingAtEnd, List<String> flagsAtEnd) {}

    /**
     * @param sites sites in the fleet
     * @param promoted promotions the controller decided
     * @param autoRolledBack rollbacks the controller decided on its own
     * @param staleSites sites flagged STALE in the census at the end
     * @param problematicSites sites flagged PROBLEMATIC in the census at the end
     */
    public record Fleet(int sites, long promoted, long autoRolledBack, long staleSites, long problematicSites) {}

    @Override
    public Rollover rollover() {
        return null;
    }

    @Override
    public boolean ok() {
        return lost == 0 && misrouted == 0 && deadLettered == malformedInjected && fleet.promoted() >= 1
                && fleet.autoRolledBack() >= 1 && fleet.staleSites() >= 1;
    }
}
