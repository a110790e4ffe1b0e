package dev.edgeinfer.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.jobs.frames.FrameDecoder;
import dev.edgeinfer.jobs.frames.FrameResult;
import dev.edgeinfer.jobs.frames.FrameResultJson;
import dev.edgeinfer.jobs.frames.RawFrame;
import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.frames.Frame;
import dev.edgeinfer.operators.frames.ImageModelMetadata;
import dev.edgeinfer.operators.frames.TopK;
import dev.edgeinfer.operators.runtime.OnnxModelRunner;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;
import dev.edgeinfer.operators.runtime.ReleaseFactory;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The frames scenario's pure parts, and that bare ORT's frames and translator are the pipeline's. */
class FrameBenchScenarioTest {

    @TempDir Path dir;

    @Test
    void defaultsAreFourCamerasAtThirtyFpsAndTheSensorsAreUnchanged() {
        FrameBenchScenario frames = (FrameBenchScenario) BenchScenarios.forName("frames");
        assertThat(frames.defaultRate()).isEqualTo(120.0);
        assertThat(frames.devices(120)).isEqualTo(4);
        assertThat(frames.devices(60)).isEqualTo(4);
        assertThat(frames.devices(121)).isEqualTo(5);
        assertThat(frames.devices(3000)).isEqualTo(100);
        assertThat(frames.modelSize()).isEqualTo(96);
        assertThat(frames.unit()).isEqualTo("frames");
        assertThat(frames.inputsPerInference()).isEqualTo(1.0);
        assertThat(frames.p99TargetMs()).isEqualTo(50.0);
        assertThat(frames.expectedOutputs(10, 4, true)).isEqualTo(40).isEqualTo(frames.expectedOutputs(10, 4, false));

        BenchScenario<?, ?> sensor = BenchScenarios.forName("sensor");
        assertThat(sensor.defaultRate()).isEqualTo(2000.0);
        assertThat(sensor.defaultBacklog()).isEqualTo(200_000);
        assertThat(sensor.p99TargetMs()).isEqualTo(10.0);
        assertThat(sensor.modelSize()).isNull();
    }

    @Test
    void modelSizeIsForFramesOnlyAndBounded() {
        assertThat(((FrameBenchScenario) BenchScenarios.forName("frames", 224)).modelSize()).isEqualTo(224);
        assertThatThrownBy(() -> BenchScenarios.forName("sensor", 96)).hasMessageContaining("--scenario frames only");
        assertThatThrownBy(() -> BenchScenarios.forName("frames", 4)).hasMessageContaining("--model-size");
        assertThatThrownBy(() -> BenchScenarios.forName("video")).hasMessageContaining("known: sensor, frames");
    }

    @Test
    void recordsCarryTheScheduledTimeAndDecodeToModelSizedFrames() {
        FrameBenchScenario frames = new FrameBenchScenario();
        BenchScenario.Inputs inputs = frames.newInputs("dev-", 4, 42);
        FrameDecoder decoder = new FrameDecoder(8 << 20, 4096, 4096, Duration.ofHours(1));
        Set<Integer> sizes = new HashSet<>();
        for (int device = 0; device < 4; device++) {
            long ts = 1_764_280_000_000L + 33 * device;
            ProducerRecord<byte[], byte[]> r = inputs.record("edge.video.frames", device, 7, ts);
            assertThat(r.timestamp()).isEqualTo(ts);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(String.format("dev-%04d", device));
            assertThat(header(r, RawFrame.TS_HEADER)).isEqualTo(Long.toString(ts));
            assertThat(header(r, RawFrame.FORMAT_HEADER)).isEqualTo("jpeg");
            sizes.add(r.value().length);

            RawFrame raw = new RawFrame(new RawRecord(r.key(), r.value(), r.topic(), 0, device, ts),
                    r.headers().lastHeader(RawFrame.TS_HEADER).value(), r.headers().lastHeader(RawFrame.FORMAT_HEADER).value(),
                    r.headers().lastHeader(RawFrame.WIDTH_HEADER).value(), r.headers().lastHeader(RawFrame.HEIGHT_HEADER).value());
            FrameDecoder.Result decoded = decoder.decode(raw);
            assertThat(decoded.isValid()).as(String.valueOf(decoded.detail())).isTrue();
            assertThat(decoded.frame().ts()).isEqualTo(ts);
            assertThat(decoded.frame().width()).isEqualTo(96);
            assertThat(decoded.frame().height()).isEqualTo(96);
        }
        decoder.close();
        assertThat(sizes).as("cameras do not send the same frame at the same time").hasSizeGreaterThan(1);
        assertThat(FrameBenchScenario.poolIndex(3, 1_000_000_000L)).isBetween(0, FrameBenchScenario.POOL - 1);
    }

    @Test
    void rgbFramesAreTheJpegPoolsPicturesUnencodedAndDecodeWithoutLoss() {
        FrameBenchScenario frames = new FrameBenchScenario(96).encoding("rgb");
        assertThat(frames.inputFormat()).isEqualTo("rgb");
        ProducerRecord<byte[], byte[]> r = frames.newInputs("dev-", 2, 42).record("edge.video.frames", 1, 7, 1_764_280_000_000L);
        assertThat(header(r, RawFrame.FORMAT_HEADER)).isEqualTo("rgb");
        assertThat(r.value()).hasSize(96 * 96 * 3)
                .isEqualTo(FrameBenchScenario.rgbPool(96, 42)[FrameBenchScenario.poolIndex(1, 7)]);
        FrameDecoder decoder = new FrameDecoder(8 << 20, 4096, 4096, Duration.ofHours(1));
        RawFrame raw = new RawFrame(new RawRecord(r.key(), r.value(), r.topic(), 0, 0, r.timestamp()),
                r.headers().lastHeader(RawFrame.TS_HEADER).value(), r.headers().lastHeader(RawFrame.FORMAT_HEADER).value(),
                r.headers().lastHeader(RawFrame.WIDTH_HEADER).value(), r.headers().lastHeader(RawFrame.HEIGHT_HEADER).value());
        FrameDecoder.Result decoded = decoder.decode(raw);
        decoder.close();
        assertThat(decoded.isValid()).as(String.valueOf(decoded.detail())).isTrue();
        assertThat(decoded.frame().rgb()).isEqualTo(r.value());

        assertThat(new FrameBenchScenario().inputFormat()).isEqualTo("jpeg");
        assertThatThrownBy(() -> new FrameBenchScenario().encoding("png")).hasMessageContaining("--frame-format");
    }

    @Test
    void outputsMapBackToCameraAndFrameTime() throws Exception {
        FrameBenchScenario frames = new FrameBenchScenario();
        FrameResult result = new FrameResult("dev-0002", 1_764_280_000_033L, "edge.video.frames/1/5", 96, 96,
                new TopK(List.of(new TopK.Scored("red", 0, 0.9f))), ModelId.of("frame-classifier", "v2", "ab".repeat(32)),
                "edge-local", 1_764_280_000_034L);
        BenchScenario.Output out = frames.decodePipelineOutput(
                new ConsumerRecord<>("edge.inference.results", 0, 0, null, FrameResultJson.toJson(result)));
        assertThat(out).isEqualTo(new BenchScenario.Output("dev-0002", -1, 1_764_280_000_033L, "v2"));

        Frame frame = Frame.solid("dev-0001", 1_764_280_000_066L, 96, 96, 200, 20, 20);
        ProducerRecord<byte[], byte[]> echoed = PassthroughJob.frameEchoes("out").serialize(frame, null, null);
        BenchScenario.Output pass = frames.decodePassthroughOutput(
                new ConsumerRecord<>("out", 0, 0, echoed.key(), echoed.value()));
        assertThat(pass).isEqualTo(new BenchScenario.Output("dev-0001", -1, 1_764_280_000_066L, null));
    }

    @Test
    void bareOrtUsesTheReleaseMetadataAndClassifiesTheBenchFrames() throws Exception {
        FrameBenchScenario frames = new FrameBenchScenario();
        List<BenchScenario.ServedModel> models = frames.buildModels(dir, new PrintStream(new ByteArrayOutputStream()));
        assertThat(models).hasSize(2);
        BenchScenario.ServedModel v2 = models.get(1);
        assertThat(v2.metadata()).containsKeys(ImageModelMetadata.MEAN, ImageModelMetadata.STD, ImageModelMetadata.LABELS);
        ModelRelease release = ReleaseFactory.fromFile(v2.id().name(), v2.id().version(), v2.file(), 0L, 100, "test", 0L,
                v2.metadata());
        List<Frame> batch = frames.bareOrtBatch(10, 7);
        assertThat(batch).allSatisfy(f -> assertThat(f.width() * f.height()).isEqualTo(96 * 96));
        try (OnnxModelRunner<Frame, TopK> runner = OnnxModelRunner.load(v2.id(), v2.file(),
                frames.adapter().newTranslator(release), OnnxRunnerOptions.DEFAULTS, frames.adapter().warmupBatch())) {
            List<TopK> predictions = runner.predict(batch);
            // Frames are drawn with labels in rotation (red, green, blue, dark, bright); v2 knows all five.
            for (int i = 0; i < batch.size(); i++) {
                assertThat(predictions.get(i).top1().label()).as("frame " + i).isEqualTo(
                        dev.edgeinfer.simulation.frames.SyntheticFrames.LABELS.get(i % 5));
            }
        }
        BareOrtBench.Result bare = BareOrtBench.run(frames, v2, OnnxRunnerOptions.DEFAULTS, 1, 4, Duration.ofMillis(100),
                Duration.ofMillis(300), new PrintStream(new ByteArrayOutputStream()));
        assertThat(bare.throughput()).isPositive();

        // The bench brackets its jobs with two bare runs and compares with both together.
        BareOrtBench.Result again = BareOrtBench.run(frames, v2, OnnxRunnerOptions.DEFAULTS, 1, 4, Duration.ofMillis(100),
                Duration.ofMillis(200), new PrintStream(new ByteArrayOutputStream()));
        BareOrtBench.Result both = bare.and(again);
        assertThat(both.inferences()).isEqualTo(bare.inferences() + again.inferences());
        assertThat(both.seconds()).isCloseTo(bare.seconds() + again.seconds(), within(1e-9));
        assertThat(both.throughput()).isCloseTo(both.inferences() / both.seconds(), within(1e-6))
                .isBetween(Math.min(bare.throughput(), again.throughput()), Math.max(bare.throughput(), again.throughput()));
        assertThat(both.batchMicros().count()).isEqualTo(bare.batchMicros().count() + again.batchMicros().count());
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
