package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The variant choices of this TaskManager JVM, shared by every subtask that stages the same
 * release under the same budget: the first measures, the others wait for its result, so all of
 * them serve the same variant (and none times a model while another subtask is timing one).
 *
 * <pre>{@code
 * VariantSelection s = SharedSelections.choose(key, () -> measureHere());
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> A failed measurement (fetch error, the measuring subtask
 * cancelled) is not kept: the next subtask measures again. At most {@value #MAX_ENTRIES}
 * choices are kept (least recently added dropped); a dropped one is measured again on its next
 * staging in this JVM (e.g. a late record's reload), which may choose differently.
 */
@Internal
final class SharedSelections {

    static final int MAX_ENTRIES = 256;

    /** The measurement one subtask runs for all. */
    interface Measure {
        VariantSelection run() throws Exception;
    }

    private static final Map<String, CompletableFuture<VariantSelection>> CHOICES =
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<VariantSelection>> eldest) {
                    return size() > MAX_ENTRIES;
                }
            };

    private SharedSelections() {}

    static VariantSelection choose(String key, Measure measure) throws Exception {
        while (true) {
            CompletableFuture<VariantSelection> mine = new CompletableFuture<>();
            CompletableFuture<VariantSelection> existing;
            synchronized (CHOICES) {
                existing = CHOICES.putIfAbsent(key, mine);
            }
            if (existing == null) {
                try {
                    VariantSelection selection = measure.run();
                    mine.complete(selection);
                    return selection;
                } catch (Exception | Error e) {
                    synchronized (CHOICES) {
                        CHOICES.remove(key, mine);
                    }
                    mine.completeExceptionally(e);
                    throw e;
                }
            }
            try {
                return existing.get();
            } catch (ExecutionException e) {
                // the measuring subtask failed: measure here instead (its failure is its own verdict)
            }
        }
    }

    /** Forgets every choice (for tests). */
    static void clear() {
        synchronized (CHOICES) {
            CHOICES.clear();
        }
    }
}
