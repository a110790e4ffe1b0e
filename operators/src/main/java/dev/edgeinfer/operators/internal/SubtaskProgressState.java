package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the operator checkpoints its {@link SubtaskProgress}: union list state
 * {@value #NAME}, typed with {@link SubtaskProgressSerializer}.
 *
 * <p><b>Guarantees and caveats.</b> On restore it also reads the strings EdgeInfer 0.1.0 kept in
 * union state {@value #LEGACY_NAME}, merges them in, and clears that state, so state written by
 * 0.1.0 restores and is never written again in the old form. Union state: every subtask gets
 * every subtask's entry back and picks its own ({@link SubtaskProgress#restore}).
 */
@Internal
final class SubtaskProgressState {

    static final String NAME = "subtask-progress";
    static final String LEGACY_NAME = "late-activation-boundaries";

    private final ListState<SubtaskProgress> state;
    private final SubtaskProgress restored;

    private SubtaskProgressState(ListState<SubtaskProgress> state, SubtaskProgress restored) {
        this.state = state;
        this.restored = restored;
    }

    /** Registers the state and reads what subtask {@code index} of {@code parallelism} restores. */
    static SubtaskProgressState restore(OperatorStateStore store, int index, int parallelism) throws Exception {
        ListState<SubtaskProgress> state =
                store.getUnionListState(new ListStateDescriptor<>(NAME, SubtaskProgressSerializer.INSTANCE));
        List<SubtaskProgress> entries = new ArrayList<>();
        state.get().forEach(entries::add);
        if (store.getRegisteredStateNames().contains(LEGACY_NAME)) {
            ListState<String> legacy = store.getUnionListState(new ListStateDescriptor<>(LEGACY_NAME, String.class));
            entries.addAll(SubtaskProgress.fromLegacyEntries(legacy.get()));
            legacy.clear(); // carried in the typed state from now on
        }
        return new SubtaskProgressState(state, SubtaskProgress.restore(entries, index, parallelism));
    }

    /** This subtask's restored progress (empty on a fresh start). */
    SubtaskProgress restored() {
        return restored;
    }

    void update(SubtaskProgress progress) throws Exception {
        state.update(List.of(progress));
    }
}
