package dev.edgeinfer.operators;

import dev.edgeinfer.broadcast.ModelId;
import dev.edgeinfer.operators.runtime.ModelLoadException;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Scores every record with one ONNX model through DJL's ONNX Runtime engine, and emits a result
 * carrying the model's lineage ({@link ModelId}: name, version, sha256).
 *
 * <pre>{@code
 * DataStream<SensorResult> results = windows
 *     .process(OnnxInferenceFunction.<SensorWindow, Float, SensorResult>builder()
 *             .setModel(ModelId.of("sensor-anomaly", "v1", sha256), Path.of("/models/v1.onnx"))
 *             .setAdapter(new SensorAnomalyAdapter(4, 16))
 *             .setResultBuilder(SensorResult::of)
 *             .setResultType(SensorResult.class)
 *             .build())
 *     .uid("onnx-inference");
 * }</pre>
 *
 * <p>The operator owns only the lifecycle and routing: each parallel subtask loads its own
 * {@link OnnxModelRunner} in {@code open()} (ONNX Runtime sessions and DJL predictors are not
 * shared across threads) and closes it in {@code close()}; pre/post-processing lives in the
 * {@link ModelAdapter}'s translator.
 *
 * <p><b>Guarantees and caveats.</b> The operator is stateless: it holds no record between calls,
 * so Flink's checkpoints and Kafka transactions alone give the pipeline's delivery guarantee, and
 * a replay after failover scores the same records with the same model to byte-identical results.
 * The model file is verified against the sha256 in the {@link ModelId} before loading; a
 * mismatch, an unreadable model or a signature that does not fit the adapter fails the task at
 * start with a {@link ModelLoadException} naming the cause. An ONNX Runtime failure on a batch
 * fails the task over (it is not a property of one record, so nothing is dropped silently).
 *
 * @param <IN> the record scored
 * @param <P> the model's prediction for one record
 * @param <OUT> the emitted result
 */
public final class OnnxInferenceFunction<IN, P, OUT> extends ProcessFunction<IN, OUT>
        implements ResultTypeQueryable<OUT> {

    private static final long serialVersionUID = 1L;

    private final ModelId model;
    private final String modelFile;
    private final ModelAdapter<IN, P> adapter;
    private final ResultBuilder<IN, P, OUT> resultBuilder;
    private final OnnxRunnerOptions runnerOptions;
    private final TypeInformation<OUT> resultType;

    private transient OnnxModelRunner<IN, P> runner;
    private transient Counter inferences;
    private transient volatile long lastInferenceNanos;

    OnnxInferenceFunction(
            ModelId model,
            String modelFile,
            ModelAdapter<IN, P> adapter,
            ResultBuilder<IN, P, OUT> resultBuilder,
            OnnxRunnerOptions runnerOptions,
            TypeInformation<OUT> resultType) {
        this.model = model;
        this.resultType = resultType;
        this.modelFile = modelFile;
        this.adapter = adapter;
        this.resultBuilder = resultBuilder;
        this.runnerOptions = runnerOptions;
    }

    public static <IN, P, OUT> Builder<IN, P, OUT> builder() {
        return new Builder<>();
    }

    @Override
    public TypeInformation<OUT> getProducedType() {
        return resultType;
    }

    @Override
    public void open(OpenContext openContext) throws ModelLoadException {
        runner =
                OnnxModelRunner.load(
                        model,
                        Path.of(modelFile),
                        adapter.newTranslator(),
                        runnerOptions,
                        adapter.warmupBatch());
        MetricGroup metrics =
                getRuntimeContext()
                        .getMetricGroup()
                        .addGroup("edgeinfer")
                        .addGroup("model", model.name())
                        .addGroup("version", model.version());
        inferences = metrics.counter("inferences");
        metrics.gauge("lastInferenceMicros", () -> lastInferenceNanos / 1_000);
    }

    @Override
    public void processElement(IN value, Context ctx, Collector<OUT> out) {
        long started = System.nanoTime();
        List<P> predictions = runner.predict(List.of(value));
        long took = System.nanoTime() - started;
        lastInferenceNanos = took;
        inferences.inc();
        out.collect(resultBuilder.build(value, predictions.get(0), model, took));
    }

    @Override
    public void close() throws Exception {
        if (runner != null) {
            runner.close();
            runner = null;
        }
        super.close();
    }

    /** Builder for {@link OnnxInferenceFunction}; {@link #build()} checks the combination. */
    public static final class Builder<IN, P, OUT> {
        private ModelId model;
        private String modelFile;
        private ModelAdapter<IN, P> adapter;
        private ResultBuilder<IN, P, OUT> resultBuilder;
        private OnnxRunnerOptions runnerOptions = OnnxRunnerOptions.DEFAULTS;
        private TypeInformation<OUT> resultType;

        Builder() {}

        /** The class of the emitted results (Java erases it from the result builder). */
        public Builder<IN, P, OUT> setResultType(Class<OUT> resultType) {
            this.resultType = TypeInformation.of(Objects.requireNonNull(resultType, "resultType"));
            return this;
        }

        /** The model version to serve and the local file holding its bytes. */
        public Builder<IN, P, OUT> setModel(ModelId model, Path file) {
            this.model = Objects.requireNonNull(model, "model");
            this.modelFile = Objects.requireNonNull(file, "file").toAbsolutePath().toString();
            return this;
        }

        /** Pre/post-processing for the model (a DJL translator factory). */
        public Builder<IN, P, OUT> setAdapter(ModelAdapter<IN, P> adapter) {
            this.adapter = Objects.requireNonNull(adapter, "adapter");
            return this;
        }

        /** Turns (record, prediction, lineage) into the emitted result. */
        public Builder<IN, P, OUT> setResultBuilder(ResultBuilder<IN, P, OUT> resultBuilder) {
            this.resultBuilder = Objects.requireNonNull(resultBuilder, "resultBuilder");
            return this;
        }

        /** ONNX Runtime session settings; defaults to {@link OnnxRunnerOptions#DEFAULTS}. */
        public Builder<IN, P, OUT> setRunnerOptions(OnnxRunnerOptions runnerOptions) {
            this.runnerOptions = Objects.requireNonNull(runnerOptions, "runnerOptions");
            return this;
        }

        public OnnxInferenceFunction<IN, P, OUT> build() {
            if (model == null) {
                throw new IllegalStateException("no model: call setModel(modelId, file) with the version to serve");
            }
            if (adapter == null) {
                throw new IllegalStateException(
                        "no adapter: call setAdapter(...) with the pre/post-processing for " + model);
            }
            if (resultBuilder == null) {
                throw new IllegalStateException("no result builder: call setResultBuilder(...) to shape the output");
            }
            if (resultType == null) {
                throw new IllegalStateException("no result type: call setResultType(MyResult.class)");
            }
            return new OnnxInferenceFunction<>(model, modelFile, adapter, resultBuilder, runnerOptions, resultType);
        }
    }
}
