package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.operators.sensor.SensorWindow;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

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
    private transient ValueState<WindowBuffer> buffer;

    public SlidingCountWindower(int size, int slide, int channels) {
        if (size < 2 || slide < 1 || slide > size || channels < 1) {
            throw new IllegalArgumentException(
                    "need size >= 2, 1 <= slide <= size, channels >= 1; got size " + size
                            + ", slide " + slide + ", channels " + channels);
        }
        this.size = size;
        this.slide = slide;
        this.channels = channels;
    }

    @Override
    public void open(OpenContext openContext) {
        buffer =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "sliding-count-window", TypeInformation.of(WindowBuffer.class)));
    }

    @Override
    public void processElement(SensorReading reading, Context ctx, Collector<SensorWindow> out)
            throws Exception {
        WindowBuffer ring = buffer.value();
        if (ring == null) {
            ring = WindowBuffer.create(size, channels);
        }
        int slot = (int) (ring.count % size);
        System.arraycopy(reading.values(), 0, ring.values, slot * channels, channels);
        ring.timestamps[slot] = reading.ts();
        ring.count++;
        if (ring.count >= size && (ring.count - size) % slide == 0) {
            out.collect(snapshot(ring, reading));
        }
        buffer.update(ring);
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
