package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one subtask checkpoints beside the (broadcast) releases: the newest event time it scored
 * and the boundaries of its late activations. Stored in union list state (every subtask gets
 * every entry back) with {@link SubtaskProgressSerializer}.
 *
 * <pre>{@code
 * SubtaskProgress mine = SubtaskProgress.restore(entries, subtaskIndex, parallelism);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> At the same parallelism a subtask gets exactly what it
 * checkpointed. After rescaling, several subtasks' progress meets: the latest boundary per
 * release and the latest newest-scored time win, so no record is scored with a version it could
 * not have had before. {@link #fromLegacyEntries} reads the strings EdgeInfer 0.1.0 wrote.
 *
 * @param subtask the subtask that wrote it ({@code -1}: unknown, written before entries named it)
 * @param newestScoredEventTime {@code Long.MIN_VALUE} when it scored nothing
 * @param lateBoundaries release id to the boundary from which that late release applied
 */
@Internal
record SubtaskProgress(int subtask, long newestScoredEventTime, Map<String, Long> lateBoundaries) {

    /** Subtask of entries written before the legacy strings named their subtask. */
    static final int UNKNOWN_SUBTASK = -1;
    /** Key of the newest-scored-event-time entry in the legacy strings (release ids always contain '@'). */
    private static final String LEGACY_NEWEST_ENTRY = "#newest";

    SubtaskProgress {
        Objects.requireNonNull(lateBoundaries, "lateBoundaries");
        lateBoundaries = Map.copyOf(lateBoundaries);
    }

    /**
     * This subtask's progress from everything restored (union state: every subtask's entries).
     * Entries of an unknown subtask always apply.
     */
    static SubtaskProgress restore(Collection<SubtaskProgress> entries, int index, int parallelism) {
        Map<Integer, SubtaskProgress> bySubtask = new HashMap<>();
        Map<String, Long> unattributed = new HashMap<>();
        for (SubtaskProgress entry : entries) {
            if (entry.subtask() == UNKNOWN_SUBTASK) {
                entry.lateBoundaries().forEach((id, b) -> unattributed.merge(id, b, Math::max));
            } else {
                bySubtask.merge(entry.subtask(), entry, SubtaskProgress::merge);
            }
        }
        boolean sameSubtasks = bySubtask.size() == parallelism && bySubtask.containsKey(index)
                && bySubtask.keySet().stream().allMatch(i -> i < parallelism);
        Map<String, Long> boundaries = new HashMap<>(unattributed);
        long newest = Long.MIN_VALUE;
        // Same subtasks, same key groups: exactly what this subtask had. Otherwise the latest of all.
        Collection<SubtaskProgress> mine = sameSubtasks ? List.of(bySubtask.get(index)) : bySubtask.values();
        for (SubtaskProgress p : mine) {
            p.lateBoundaries().forEach((id, b) -> boundaries.merge(id, b, Math::max));
            newest = Math.max(newest, p.newestScoredEventTime());
        }
        return new SubtaskProgress(index, newest, boundaries);
    }

    /** The later of both per release and for the newest scored event time. */
    SubtaskProgress merge(SubtaskProgress other) {
        Map<String, Long> boundaries = new HashMap<>(lateBoundaries);
        other.lateBoundaries().forEach((id, b) -> boundaries.merge(id, b, Math::max));
        return new SubtaskProgress(subtask, Math.max(newestScoredEventTime, other.newestScoredEventTime()), boundaries);
    }

    /**
     * Reads the {@code late-activation-boundaries} strings EdgeInfer 0.1.0 wrote:
     * {@code "subtask|releaseId=boundary"}, {@code "subtask|#newest=eventTime"}, and (older still)
     * {@code "releaseId=boundary"} without a subtask.
     *
     * @throws IllegalArgumentException naming the entry if one is not in that form
     */
    static List<SubtaskProgress> fromLegacyEntries(Iterable<String> entries) {
        Map<Integer, Map<String, Long>> boundaries = new HashMap<>();
        Map<Integer, Long> newest = new HashMap<>();
        for (String entry : entries) {
            int eq = entry.lastIndexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("not a late-activation entry (no '='): '" + entry + "'");
            }
            long value;
            try {
                value = Long.parseLong(entry.substring(eq + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "not a late-activation entry (value not a number): '" + entry + "'", e);
            }
            int bar = entry.indexOf('|');
            boolean named = bar > 0 && bar < eq && entry.substring(0, bar).chars().allMatch(Character::isDigit);
            int subtask = named ? Integer.parseInt(entry.substring(0, bar)) : UNKNOWN_SUBTASK;
            String key = entry.substring(named ? bar + 1 : 0, eq);
            if (named && key.equals(LEGACY_NEWEST_ENTRY)) {
                newest.merge(subtask, value, Math::max);
            } else {
                boundaries.computeIfAbsent(subtask, k -> new HashMap<>()).merge(key, value, Math::max);
                newest.putIfAbsent(subtask, Long.MIN_VALUE);
            }
        }
        List<SubtaskProgress> result = new ArrayList<>();
        newest.forEach((subtask, time) ->
                result.add(new SubtaskProgress(subtask, time, boundaries.getOrDefault(subtask, Map.of()))));
        return result;
    }
}
