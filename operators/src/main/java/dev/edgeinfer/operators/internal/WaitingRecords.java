package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Records that arrived before any release covered their event time, kept in (split) operator
 * state {@value #NAME} until one does: the only records the operator holds across calls.
 *
 * @param <IN> records scored
 */
@Internal
final class WaitingRecords<IN> {

    static final String NAME = "records-waiting-for-a-release";

    /** Scores a record if a release covers it; false: it must keep waiting. */
    @FunctionalInterface
    interface Scorer<IN> {
        boolean tryScore(IN record) throws Exception;
    }

    private final ListState<IN> state;
    private final List<IN> records = new ArrayList<>();
    /** Restored records: retry them on the next call (not in open(), where nothing may be emitted yet). */
    private boolean retrySoon;

    /** @param serializer the serializer of the operator's data input (records of type {@code IN}) */
    @SuppressWarnings("unchecked")
    WaitingRecords(OperatorStateStore store, TypeSerializer<?> serializer) throws Exception {
        state = store.getListState(new ListStateDescriptor<>(NAME, (TypeSerializer<IN>) serializer));
        state.get().forEach(records::add);
        retrySoon = !records.isEmpty();
    }

    void add(IN record) {
        records.add(record);
    }

    /** Whether restored records wait for a retry; true once, then false. */
    boolean takeRetrySoon() {
        boolean soon = retrySoon;
        retrySoon = false;
        return soon;
    }

    /** Offers every waiting record to {@code scorer}, in arrival order; those scored stop waiting. */
    void retry(Scorer<IN> scorer) throws Exception {
        Iterator<IN> it = records.iterator();
        while (it.hasNext()) {
            if (scorer.tryScore(it.next())) {
                it.remove();
            }
        }
    }

    int size() {
        return records.size();
    }

    void snapshot() throws Exception {
        state.update(records);
    }

    /**
     * End of input: fails if records still wait.
     *
     * @throws IllegalStateException saying how many records wait and what would cover them
     */
    void checkNoneWaitAtEndOfInput(String modelName) {
        if (!records.isEmpty()) {
            throw new IllegalStateException(records.size() + " records reached the end of input before any release of '"
                    + modelName + "' covered their event time; publish a release that activates at or before them");
        }
    }
}
