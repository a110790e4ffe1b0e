package dev.edgeinfer.broadcast.timeline;

import dev.edgeinfer.broadcast.release.ModelRelease;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * One model's shadow activations at one site, sorted by {@link ModelRelease#ORDER}, and when each
 * ends: the shadow that wins at {@code t} is the last (in that order) with {@code activateAt <= t},
 * unless a serving activation came strictly after it and at or before {@code t}. The rules are
 * documented on {@link ReleaseTimeline#resolveShadow(String, long, String)}. Immutable.
 */
final class ShadowLine {

    private static final ModelRelease[] NONE = new ModelRelease[0];

    final ModelRelease[] acts;
    private final long[] at;

    ShadowLine(Collection<ModelRelease> shadows) {
        acts = shadows.toArray(NONE);
        Arrays.sort(acts, ModelRelease.ORDER);
        at = new long[acts.length];
        for (int i = 0; i < acts.length; i++) {
            at[i] = acts[i].activateAt();
        }
    }

    /**
     * The shadow activation in effect at {@code t} (before keys and the serving version are
     * considered), or {@code null}: none started yet, or a serving activation (whose sorted
     * {@code activateAt}s are {@code servingAt}) ended it.
     */
    ModelRelease winnerAt(long t, long[] servingAt) {
        int i = lastAtOrBefore(at, t);
        if (i < 0) {
            return null;
        }
        int j = lastAtOrBefore(servingAt, t);
        return j >= 0 && servingAt[j] > at[i] ? null : acts[i];
    }

    /**
     * The shadow activations some event time {@code >= horizon} may still see (keys and the
     * serving version aside): each that wins at its own {@code activateAt} and is neither
     * replaced by a later shadow nor ended by a serving activation at or before the horizon.
     */
    void addNeeded(long horizon, long[] servingAt, List<String> out) {
        for (int i = 0; i < acts.length; i++) {
            boolean tieLoser = i + 1 < acts.length && at[i + 1] == at[i];
            if (tieLoser) {
                continue;
            }
            long end = i + 1 < acts.length ? at[i + 1] : Long.MAX_VALUE;
            int j = lastAtOrBefore(servingAt, at[i]) + 1; // the first serving activation after this shadow's start
            if (j < servingAt.length) {
                end = Math.min(end, servingAt[j]);
            }
            if (end == Long.MAX_VALUE || end > horizon) {
                out.add(acts[i].releaseId());
            }
        }
    }

    /** Index of the last entry of the sorted {@code at} that is {@code <= t}, or -1. */
    static int lastAtOrBefore(long[] at, long t) {
        int lo = 0;
        int hi = at.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (at[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }
}
