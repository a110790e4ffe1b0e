package dev.edgeinfer.operators.runtime;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.operators.model.LoadBudget;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.onnxruntime.engine.OrtNDManager;
import ai.djl.onnxruntime.engine.OrtSymbolBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens ONNX Runtime sessions for {@link OnnxModelRunner} so that nothing leaks on any failure
 * path and a warm-up can be stopped: the session is created here (not by DJL's model loader,
 * which leaves a half-loaded model for the finalizer), wrapped in a DJL model closed on every
 * failure, and probed once with a terminable run.
 *
 * <p>Session settings: the runner's threads and optimisation level, memory-pattern planning off
 * (batches vary in size: a plan per shape only grows memory) and the CPU arena shrunk after the
 * probe run, so the warm-up's peak is not kept.
 */
final class OnnxSessions {

    private static final AtomicInteger OPEN_SESSIONS = new AtomicInteger();

    private OnnxSessions() {}

    /** Sessions opened and not yet closed in this JVM (for leak checks). */
    static int openSessions() {
        return OPEN_SESSIONS.get();
    }

    /** A DJL model and the session it owns (closing the model closes the session). */
    record Opened<I, O>(ZooModel<List<I>, List<O>> model, OrtSession session) {}

    /** A DJL model owning a fresh session of {@code file}; closed by the caller. */
    static <I, O> Opened<I, O> open(ModelId id, Path file, String name,
            Translator<List<I>, List<O>> translator, OnnxRunnerOptions options) throws ModelLoadException {
        Model model = Model.newInstance(name, Device.cpu(), "OnnxRuntime"); // DJL's engine first (STACK trap)
        OrtSession ort = null;
        boolean owned = false;
        try (OrtSession.SessionOptions session = new OrtSession.SessionOptions()) {
            session.setIntraOpNumThreads(options.intraOpThreads());
            session.setInterOpNumThreads(options.interOpThreads());
            session.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.valueOf(options.optLevel()));
            session.setMemoryPatternOptimization(false);
            ort = OrtEnvironment.getEnvironment().createSession(file.toString(), session);
            model.setBlock(new OrtSymbolBlock(ort, (OrtNDManager) model.getNDManager())); // closed with the model
            owned = true;
            OPEN_SESSIONS.incrementAndGet();
            AtomicBoolean counted = new AtomicBoolean(true);
            model.getNDManager().attachInternal(NDManager.nextUid(), () -> {
                if (counted.getAndSet(false)) {
                    OPEN_SESSIONS.decrementAndGet();
                }
            });
            return new Opened<>(new ZooModel<>(model, translator), ort);
        } catch (OrtException | RuntimeException e) {
            if (ort != null && !owned) {
                closeQuietly(ort, e);
            }
            model.close();
            throw new ModelLoadException(id, file, ModelLoadException.Reason.LOAD_FAILED,
                    "ONNX Runtime could not load it: " + e.getMessage(), e);
        }
    }

    /**
     * Runs the session once on zeros of its declared input shapes (dynamic dimensions: {@code batch}
     * first, 1 elsewhere), terminated if {@code budget} expires; skipped for non-float inputs.
     */
    static void probe(ModelId id, Path file, OrtSession session, long batch, LoadBudget budget)
            throws ModelLoadException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OrtSession.RunOptions run = new OrtSession.RunOptions()) {
            for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
                if (!(input.getValue().getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
                    return;
                }
                long[] shape = info.getShape().clone();
                long elements = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shape[i] > 0 ? shape[i] : (i == 0 ? batch : 1);
                    elements = Math.multiplyExact(elements, shape[i]);
                }
                ByteBuffer zeros = ByteBuffer.allocateDirect(Math.toIntExact(elements * Float.BYTES))
                        .order(ByteOrder.nativeOrder());
                inputs.put(input.getKey(), OnnxTensor.createTensor(env, zeros.asFloatBuffer(), shape));
            }
            run.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
            budget.onExpiry(() -> terminate(run));
            try (OrtSession.Result ignored = session.run(inputs, run)) {
                // only whether it runs, within its limits
            } finally {
                budget.onExpiry(null);
            }
        } catch (OrtException | ArithmeticException e) {
            ModelLoadException.Reason reason = budget.expired()
                    ? ModelLoadException.Reason.WARMUP_TIMEOUT
                    : ModelLoadException.Reason.WARMUP_FAILED;
            throw new ModelLoadException(id, file, reason, "warm-up run failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static void closeQuietly(OrtSession session, Exception failure) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void terminate(OrtSession.RunOptions run) {
        try {
            run.setTerminate(true);
        } catch (OrtException e) {
            throw new IllegalStateException("could not terminate an ONNX Runtime run", e);
        }
    }
}
