package dev.edgeinfer.cli.bench;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.jobs.config.FrameJobConfig;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.frames.FrameClassificationJob;
import dev.edgeinfer.jobs.frames.FrameResult;
import dev.edgeinfer.jobs.frames.FrameResultJson;
import dev.edgeinfer.jobs.frames.RawFrame;
import dev.edgeinfer.operators.ModelAdapter;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.FrameAdapter;
import dev.edgeinfer.operators.frames.TopK;
import dev.edgeinfer.operators.runtime.ReleaseFactory;
import dev.edgeinfer.simulation.frames.SyntheticFrames;
import dev.edgeinfer.simulation.models.FrameModelFactory;
import dev.edgeinfer.simulation.models.FrameModelFactory.BuiltFrameModel;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The camera workload: JPEG frames of {@code modelSize x modelSize} pixels (default
 * {@value #DEFAULT_MODEL_SIZE}, so the model sees 3x96x96 without a resize), each a
 * {@link SyntheticFrames} image of a known colour class, keyed by camera, with the frame job's
 * headers ({@code ts}, {@code format: jpeg}, {@code width}, {@code height}). Scored by the
 * {@link FrameModelFactory} CNN (v1, then v2 for the rollover), published with its image
 * metadata (normalisation, labels) as the frame demo publishes it. One inference = one frame; a
 * frame's latency is measured from its intended send time, which is also its {@code ts} header
 * and Kafka timestamp.
 *
 * <p>Default load: {@value #DEFAULT_CAMERAS} cameras x {@value #DEFAULT_FPS} fps = 120 frames/s.
 * Frames come from a pool of {@value #POOL} pre-encoded JPEGs per input source, so the load
 * generator spends no CPU on encoding while the jobs run (the pipeline still decodes every frame).
 */
public final class FrameBenchScenario implements BenchScenario<Frame, TopK> {

    /** The frame classification job and its pass-through, serving the default frame model. */
    private static final BenchJobs<FrameJobConfig> JOBS = new BenchJobs<>(FrameJobOptions.GROUP_ID,
            FrameJobOptions.STARTING_OFFSETS, FrameJobOptions.FRAMES_TOPIC, FrameJobOptions.RESULTS_TOPIC,
            FrameJobOptions.MODEL_NAME, FrameModelFactory.DEFAULT_NAME, FrameJobConfig::from, FrameClassificationJob::build,
            PassthroughJob::frames);

    public static final int DEFAULT_MODEL_SIZE = 96;
    public static final int DEFAULT_CAMERAS = 4;
    public static final int DEFAULT_FPS = 30;
    static final int MIN_MODEL_SIZE = 8;
    static final int MAX_MODEL_SIZE = 1024;
    /** The frame encodings the frame job reads (its {@code format} header). */
    static final java.util.List<String> FORMATS = RawFrame.FORMATS;

    /** Distinct JPEG frames per input source. */
    static final int POOL = 64;
    static final float JPEG_QUALITY = 0.85f;


    private final int size;
    private final Topics topics;
    /** A model file to serve instead of the built CNNs (e.g. a variant from `edgeinfer optimize`), or null. */
    private Path model;
    private String format = "jpeg";

    public FrameBenchScenario() {
        this(DEFAULT_MODEL_SIZE);
    }

    /**
     * Serves {@code modelFile} (one [N,3,H,W] classifier with {@code image.*}/{@code labels}
     * ONNX metadata, as {@code optimize} writes its variants) instead of the built CNNs; no rollover.
     */
    public FrameBenchScenario serving(Path modelFile) {
        this.model = modelFile;
        return this;
    }

    /**
     * How the cameras encode their frames: {@code jpeg} (the default; the job decodes every frame)
     * or {@code rgb} (raw interleaved RGB, as a capture process next to the job writes it: no decoding).
     */
    public FrameBenchScenario encoding(String format) {
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("--frame-format must be one of " + FORMATS + ", got '" + format + "'");
        }
        this.format = format;
        return this;
    }

    /** The frames' encoding ({@link #encoding}). */
    @Override
    public String inputFormat() {
        return format;
    }

    /** @param modelSize model input and frame size, pixels per side (96 or 224 are the documented ones) */
    public FrameBenchScenario(int modelSize) {
        if (modelSize < MIN_MODEL_SIZE || modelSize > MAX_MODEL_SIZE) {
            throw new IllegalArgumentException("--model-size must be between " + MIN_MODEL_SIZE + " and " + MAX_MODEL_SIZE
                    + " pixels (96 and 224 are the usual ones), got " + modelSize);
        }
        this.size = modelSize;
        this.topics = Topics.withDefaultNames(FrameJobOptions.FRAMES_TOPIC, FrameJobOptions.RESULTS_TOPIC, FrameJobOptions.DEADLETTER_TOPIC,
                "edge.bench.frames.passthrough.in", "edge.bench.frames.passthrough.out");
    }

    @Override
    public Integer modelSize() {
        return size;
    }

    @Override
    public String name() {
        return "frames";
    }

    @Override
    public String unit() {
        return "frames";
    }

    @Override
    public double inputsPerInference() {
        return 1;
    }

    @Override
    public double defaultRate() {
        return DEFAULT_CAMERAS * DEFAULT_FPS;
    }

    @Override
    public long defaultBacklog() {
        return 20_000;
    }

    @Override
    public double p99TargetMs() {
        return 50.0;
    }

    /** {@value #DEFAULT_CAMERAS} cameras, or more above {@value #DEFAULT_FPS} fps each. */
    @Override
    public int devices(double ratePerSecond) {
        return cameras(ratePerSecond);
    }

    static int cameras(double ratePerSecond) {
        return Math.max(DEFAULT_CAMERAS, (int) Math.ceil(ratePerSecond / DEFAULT_FPS - 1e-9));
    }

    @Override
    public Topics topics() {
        return topics;
    }

    @Override
    public List<ServedModel> buildModels(Path dir, PrintStream out) throws Exception {
        List<ServedModel> models = new ArrayList<>();
        if (model != null) {
            // Into the models directory: the job only fetches file: URIs under its models root.
            Path file = java.nio.file.Files.copy(model, dir.resolve(model.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING)
                    .toAbsolutePath()
                    .normalize();
            Map<String, String> metadata = new java.util.TreeMap<>();
            ReleaseFactory.onnxMetadata(file).forEach((k, v) -> {
                if (k.startsWith("image.") || k.equals("labels")) {
                    metadata.put(k, v);
                }
            });
            ModelId id = ModelId.of(FrameModelFactory.DEFAULT_NAME, "v1", Sha256.of(file));
            out.printf(Locale.ROOT, "      %s  (%s; release metadata %s)%n", id, file, metadata.keySet());
            models.add(new ServedModel(id, file, metadata));
            return models;
        }
        for (FrameModelFactory.Spec spec : List.of(FrameModelFactory.Spec.v1(), FrameModelFactory.Spec.v2())) {
            BuiltFrameModel m = FrameModelFactory.build(spec.withSize(size, size), dir);
            out.printf(Locale.ROOT, "      %s  (CNN [N,3,%d,%d] -> %d classes; release metadata %s)%n",
                    m.id(), size, size, FrameModelFactory.LABELS.size(), m.releaseMetadata().keySet());
            models.add(new ServedModel(m.id(), m.file(), m.releaseMetadata()));
        }
        return models;
    }

    /** The frame job's adapter with the job's default top-k and resize. */
    @Override
    public ModelAdapter<Frame, TopK> adapter() {
        return new FrameAdapter(FrameJobOptions.TOP_K.defaultValue(), FrameJobOptions.RESIZE.defaultValue());
    }

    /** Decoded frames as the pipeline's decoder hands them to inference: {@code size x size} RGB. */
    @Override
    public List<Frame> bareOrtBatch(int batchSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Frame> batch = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            String label = SyntheticFrames.LABELS.get(b % SyntheticFrames.LABELS.size());
            batch.add(new Frame("bench-" + b, 0, 0, "bench/0/" + b, size, size, SyntheticFrames.rgb(label, size, size, random)));
        }
        return batch;
    }

    @Override
    public Inputs newInputs(String prefix, int devices, long seed) {
        byte[][] pool = "rgb".equals(format) ? rgbPool(size, seed) : jpegPool(size, seed);
        byte[][] keys = new byte[devices][];
        for (int d = 0; d < devices; d++) {
            keys[d] = SensorBenchScenario.deviceId(prefix, d).getBytes(StandardCharsets.UTF_8);
        }
        return (topic, device, seq, eventTimeMs) -> new ProducerRecord<>(topic, null, eventTimeMs, keys[device],
                pool[poolIndex(device, seq)], SyntheticFrames.headers(eventTimeMs, format, size, size));
    }

    /** Which pooled frame device {@code device} sends as its record {@code seq}: cameras do not move in lockstep. */
    static int poolIndex(int device, long seq) {
        return (int) Math.floorMod(seq + 17L * device, (long) POOL);
    }

    /** {@value #POOL} raw RGB frames of {@code size x size}, labels in rotation (the JPEG pool's pictures, not encoded). */
    static byte[][] rgbPool(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] pool = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            pool[i] = SyntheticFrames.rgb(SyntheticFrames.LABELS.get(i % SyntheticFrames.LABELS.size()), size, size, random);
        }
        return pool;
    }

    /** {@value #POOL} JPEG frames of {@code size x size}, labels in rotation. */
    static byte[][] jpegPool(int size, long seed) {
        byte[][] pool = rgbPool(size, seed);
        for (int i = 0; i < POOL; i++) {
            pool[i] = SyntheticFrames.jpeg(pool[i], size, size, JPEG_QUALITY);
        }
        return pool;
    }

    @Override
    public long expectedOutputs(long inputsPerDevice, int devices, boolean pipeline) {
        return devices * inputsPerDevice;
    }

    @Override
    public BenchJobs<?> jobs() {
        return JOBS;
    }

    @Override
    public Output decodePipelineOutput(ConsumerRecord<byte[], byte[]> record) throws Exception {
        FrameResult r = FrameResultJson.fromJson(record.value());
        return new Output(r.cameraId(), -1, r.frameTs(), r.model().version());
    }
}
