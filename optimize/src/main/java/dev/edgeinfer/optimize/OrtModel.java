package dev.edgeinfer.optimize;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session over a single-input float model, run one sample at a time: what
 * calibration, evaluation and the latency benchmark share.
 *
 * <pre>{@code
 * try (OrtModel m = OrtModel.load(bytes, 1)) {
 *     float[] out = m.run(sample);           // first output, flattened
 * }
 * }</pre>
 */
public final class OrtModel implements AutoCloseable {

    private static final OrtEnvironment ENV = environment();

    private final OrtSession session;
    private final String inputName;
    private final long[] sampleShape;
    private final List<String> outputNames;

    private OrtModel(OrtSession session) throws OrtException {
        this.session = session;
        Map.Entry<String, NodeInfo> input =
                session.getInputInfo().entrySet().iterator().next();
        if (session.getInputInfo().size() != 1) {
            throw new OptimizationException("only single-input models are supported, this one has inputs "
                    + session.getInputInfo().keySet());
        }
        this.inputName = input.getKey();
        long[] shape = ((TensorInfo) input.getValue().getInfo()).getShape();
        this.sampleShape = shape.clone();
        this.sampleShape[0] = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new OptimizationException("input " + inputName + " has a dynamic dimension " + i + " (shape "
                        + java.util.Arrays.toString(shape) + "); only the batch may be dynamic");
            }
        }
        this.outputNames = List.copyOf(session.getOutputNames());
    }

    /** Loads model bytes with {@code threads} intra-op threads, all optimisations. */
    public static OrtModel load(byte[] model, int threads) {
        try (OrtSession.SessionOptions options = options(threads)) {
            return new OrtModel(ENV.createSession(model, options));
        } catch (OrtException e) {
            throw new OptimizationException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    /** Loads a model file. */
    public static OrtModel load(Path file, int threads) throws java.io.IOException {
        return load(Files.readAllBytes(file), threads);
    }

    /**
     * The process-wide environment. DJL's ONNX Runtime engine creates it with thread-pool options
     * and fails if one exists already, so where DJL is on the classpath (the CLI, the jobs, their
     * tests) it goes first; our sessions use their own threads either way.
     */
    private static OrtEnvironment environment() {
        try {
            Class.forName("ai.djl.engine.Engine")
                    .getMethod("getEngine", String.class)
                    .invoke(null, "OnnxRuntime");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // DJL is absent or has no ONNX Runtime engine: the plain environment is all there is.
        }
        return OrtEnvironment.getEnvironment();
    }

    static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /**
     * Writes {@code model} as ONNX Runtime's basic (platform-independent) optimisations leave it:
     * BatchNormalization folded into the preceding Conv, constants folded, identities removed.
     */
    public static byte[] basicOptimised(byte[] model) {
        try {
            Path tmp = Files.createTempFile("edgeinfer-basic-opt", ".onnx");
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
                options.setOptimizedModelFilePath(tmp.toString());
                options.setIntraOpNumThreads(1);
                ENV.createSession(model, options).close();
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (OrtException | java.io.IOException e) {
            throw new OptimizationException("ONNX Runtime basic optimisation failed: " + e.getMessage(), e);
        }
    }

    /** One sample's shape, batch 1: {@code [1, ...]}. */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Values per sample. */
    public int sampleSize() {
        return OnnxProtos.numel(sampleShape);
    }

    /** The first output's name. */
    public String outputName() {
        return outputNames.get(0);
    }

    public String inputName() {
        return inputName;
    }

    /** The first output for one sample, flattened. */
    public float[] run(float[] sample) {
        return runAll(sample).values().iterator().next();
    }

    /** Every float output for one sample, by name, flattened. */
    public Map<String, float[]> runAll(float[] sample) {
        if (sample.length != sampleSize()) {
            throw new OptimizationException("sample has " + sample.length + " values, the model takes " + sampleSize()
                    + " (" + java.util.Arrays.toString(sampleShape) + ")");
        }
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(sample), sampleShape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : outputNames) {
                OnnxValue v = r.get(name).orElseThrow();
                if (v instanceof OnnxTensor tensor && tensor.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                    FloatBuffer fb = tensor.getFloatBuffer();
                    float[] values = new float[fb.remaining()];
                    fb.get(values);
                    out.put(name, values);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new OptimizationException("inference failed: " + e.getMessage(), e);
        }
    }

    /**
     * Times {@code iterations} runs on one sample (one reused input tensor) after {@code warmup}
     * untimed runs; returns each run's nanoseconds.
     */
    public long[] time(float[] sample, int warmup, int iterations) {
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(sample), sampleShape)) {
            Map<String, OnnxTensor> feed = Map.of(inputName, t);
            for (int i = 0; i < warmup; i++) {
                session.run(feed).close();
            }
            long[] nanos = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long start = System.nanoTime();
                session.run(feed).close();
                nanos[i] = System.nanoTime() - start;
            }
            return nanos;
        } catch (OrtException e) {
            throw new OptimizationException("inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new OptimizationException("closing the session failed: " + e.getMessage(), e);
        }
    }
}
