package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.operators.Warmup;
import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sliding count windows per device: window {@code k} holds the device's readings
 * {@code [k * slide, k * slide + size)} and is emitted as soon as its last reading arrives.
 *
 * <p>Unlike Flink's {@code countWindow(size, slide)} (which fires every {@code slide} elements,
 * including partial windows before {@code size} readings exist), every emitted window here is
 * full, so the model always sees {@code size} readings and the number of windows per device is
 * exactly {@code floor((n - size) / slide) + 1} for {@code n >= size} readings. Window contents
 * depend only on the device's reading order, which Kafka preserves per key, so a replay after
 * failover produces identical windows.
 *
 * <p>State: one ring buffer per device in keyed (checkpointed) state.
 */
public final class SlidingCountWindower extends KeyedProcessFunction<String, SensorReading, SensorWindow> {

    private static final long serialVersionUID = 1L;

    private final int size;
    private final int slide;
    private final int channels;
    private final Duration warmup;
    private transient ValueState<WindowBuffer> buffer;

    /** Windows of {@code size} readings every {@code slide}; no warm-up. */
    public SlidingCountWindower(int size, int slide, int channels) {
        this(size, slide, channels, Duration.ZERO);
    }

    /**
     * As {@link #SlidingCountWindower(int, int, int)}, warmed up for at most {@code warmup} in
     * {@code open()}: the ring-buffer logic on a local buffer (never the keyed state), and the
     * serializers of its output (shuffled to the inference operator) and of its state.
     */
    public SlidingCountWindower(int size, int slide, int channels, Duration warmup) {
        if (size < 2 || slide < 1 || slide > size || channels < 1) {
            throw new IllegalArgumentException(
                    "need size >= 2, 1 <= slide <= size, channels >= 1; got size " + size
                            + ", slide " + slide + ", channels " + channels);
        }
        this.size = size;
        this.slide = slide;
        this.channels = channels;
        this.warmup = Objects.requireNonNull(warmup, "warmup");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        TypeInformation<WindowBuffer> stateType = TypeInformation.of(WindowBuffer.class);
        buffer = getRuntimeContext().getState(new ValueStateDescriptor<>("sliding-count-window", stateType));
        if (warmup.isZero()) {
            return;
        }
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        WindowBuffer local = WindowBuffer.create(size, channels);
        List<SensorWindow> windows = new ArrayList<>();
        float[] values = new float[channels];
        Warmup.run("sliding count windows", warmup, Warmup.CHEAP_ITERATIONS, i -> {
            SensorWindow window = add(local, new SensorReading(SensorWarmup.DEVICE_ID, i, values, i));
            if (window != null && windows.size() < 16) {
                windows.add(window);
            }
        }).register(metrics);
        if (!windows.isEmpty()) {
            Warmup.roundTrip("sensor window serializer", warmup,
                    getRuntimeContext().createSerializer(TypeInformation.of(SensorWindow.class)), windows);
        }
        Warmup.roundTrip("window state serializer", warmup, getRuntimeContext().createSerializer(stateType), List.of(local));
    }

    @Override
    public void processElement(SensorReading reading, Context ctx, Collector<SensorWindow> out)
            throws Exception {
        WindowBuffer ring = buffer.value();
        if (ring == null) {
            ring = WindowBuffer.create(size, channels);
        }
        SensorWindow window = add(ring, reading);
        if (window != null) {
            out.collect(window);
        }
        buffer.update(ring);
    }

    /** Adds {@code reading} to {@code ring}; returns the window it completes, or null. */
    private SensorWindow add(WindowBuffer ring, SensorReading reading) {
        int slot = (int) (ring.count % size);
        System.arraycopy(reading.values(), 0, ring.values, slot * channels, channels);
        ring.timestamps[slot] = reading.ts();
        ring.count++;
        return ring.count >= size && (ring.count - size) % slide == 0 ? snapshot(ring, reading) : null;
    }

    private SensorWindow snapshot(WindowBuffer ring, SensorReading newest) {
        float[] values = new float[size * channels];
        int oldest = (int) (ring.count % size);
        for (int i = 0; i < size; i++) {
            int slot = (oldest + i) % size;
            System.arraycopy(ring.values, slot * channels, values, i * channels, channels);
        }
        long index = (ring.count - size) / slide;
        return new SensorWindow(
                newest.deviceId(),
                index,
                ring.timestamps[oldest],
                newest.ts(),
                newest.kafkaTimestamp(),
                channels,
                values);
    }

    /** Per-device ring buffer (a Flink POJO: public fields, no-arg constructor). */
    public static final class WindowBuffer {
        public long count;
        public float[] values;
        public long[] timestamps;

        public WindowBuffer() {}

        static WindowBuffer create(int size, int channels) {
            WindowBuffer b = new WindowBuffer();
            b.values = new float[size * channels];
            b.timestamps = new long[size];
            return b;
        }
    }
}
