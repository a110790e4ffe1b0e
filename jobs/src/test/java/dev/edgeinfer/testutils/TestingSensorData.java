package dev.edgeinfer.testutils;

import dev.edgeinfer.jobs.sensor.SensorRejectReason;
import dev.edgeinfer.simulation.sensor.AnomalyKind;
import dev.edgeinfer.simulation.sensor.LabelledWindows;
import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;
import dev.edgeinfer.simulation.sensor.SensorSignal;
import dev.edgeinfer.simulation.sensor.SimulatedReading;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A known, deterministic set of sensor records for integration tests: valid readings from
 * simulated devices (with labelled anomalies) interleaved with one malformed record of each
 * kind, plus the ground truth needed to check every output.
 */
public final class TestingSensorData {

    /** A deliberately malformed record and the reason the job must give for it. */
    public record Malformed(String deviceId, byte[] value, SensorRejectReason expectedReason) {
        @Override
        public String toString() {
            return expectedReason.name();
        }
    }

    public final int devices;
    public final int readingsPerDevice;
    public final int channels;
    public final long startTs;
    private final Map<String, List<SimulatedReading>> readings = new LinkedHashMap<>();
    private final Map<String, BitSet> anomalous = new LinkedHashMap<>();
    public final List<Malformed> malformed = new ArrayList<>();

    public TestingSensorData(int devices, int readingsPerDevice, int channels, long seed) {
        this.devices = devices;
        this.readingsPerDevice = readingsPerDevice;
        this.channels = channels;
        this.startTs = System.currentTimeMillis() - 60_000;
        for (int d = 0; d < devices; d++) {
            String id = deviceId(d);
            SensorSignal signal = new SensorSignal(channels, SensorSignal.deviceSeed(seed, d), 0.01, AnomalyKind.anomalies());
            List<SimulatedReading> list = signal.next(readingsPerDevice);
            BitSet bits = new BitSet();
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).isAnomalous()) {
                    bits.set(i);
                }
            }
            readings.put(id, list);
            anomalous.put(id, bits);
        }
        String dev = deviceId(0);
        long ts = startTs;
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"ts\":" + ts + ",\"values\":[1.0", SensorRejectReason.MALFORMED_JSON);
        addMalformed(dev, "[1,2,3]", SensorRejectReason.NOT_AN_OBJECT);
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"values\":" + zeros(channels) + "}", SensorRejectReason.MISSING_FIELD);
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"ts\":\"noon\",\"values\":" + zeros(channels) + "}", SensorRejectReason.WRONG_TYPE);
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"ts\":" + ts + ",\"values\":" + zeros(channels + 2) + "}", SensorRejectReason.WRONG_VECTOR_LENGTH);
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"ts\":" + ts + ",\"values\":[Infinity" + ",0".repeat(channels - 1) + "]}", SensorRejectReason.NON_FINITE_VALUE);
        addMalformed(dev, "{\"deviceId\":\"" + dev + "\",\"ts\":12,\"values\":" + zeros(channels) + "}", SensorRejectReason.TIMESTAMP_OUT_OF_RANGE);
        addMalformed(dev, "", SensorRejectReason.EMPTY_RECORD);
        addMalformed(dev, "{\"pad\":\"" + "x".repeat(100_000) + "\"}", SensorRejectReason.OVERSIZED_RECORD);
        addMalformed(dev, "{\"deviceId\":\"  \",\"ts\":" + ts + ",\"values\":" + zeros(channels) + "}", SensorRejectReason.INVALID_DEVICE_ID);
    }

    private void addMalformed(String deviceId, String value, SensorRejectReason reason) {
        malformed.add(new Malformed(deviceId, value.getBytes(StandardCharsets.UTF_8), reason));
    }

    private static String zeros(int n) {
        return "[" + String.join(",", java.util.Collections.nCopies(n, "0.0")) + "]";
    }

    public static String deviceId(int d) {
        return String.format("dev-%04d", d);
    }

    /** Event time of a device's i-th reading (100 ms apart, in order). */
    public long ts(int i) {
        return startTs + i * 100L;
    }

    /**
     * All records in production order: readings round-robin over devices, the malformed ones
     * spread through the stream.
     */
    public List<ProducerRecord<byte[], byte[]>> records(String topic) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        int malformedEvery = Math.max(1, readingsPerDevice / (malformed.size() + 1));
        int nextMalformed = 0;
        for (int i = 0; i < readingsPerDevice; i++) {
            for (Map.Entry<String, List<SimulatedReading>> e : readings.entrySet()) {
                out.add(record(topic, e.getKey(), SensorFleetSimulator.readingJson(e.getKey(), ts(i), e.getValue().get(i).values())));
            }
            if (i % malformedEvery == malformedEvery - 1 && nextMalformed < malformed.size()) {
                Malformed m = malformed.get(nextMalformed++);
                out.add(record(topic, m.deviceId(), m.value()));
            }
        }
        while (nextMalformed < malformed.size()) {
            Malformed m = malformed.get(nextMalformed++);
            out.add(record(topic, m.deviceId(), m.value()));
        }
        return out;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Windows the job must emit, in total. */
    public long expectedWindows(int size, int slide) {
        return devices * LabelledWindows.windowCount(readingsPerDevice, size, slide);
    }

    public boolean windowIsAnomalous(String deviceId, long index, int size, int slide) {
        BitSet bits = anomalous.get(deviceId);
        return LabelledWindows.windowIsAnomalous(i -> bits.get((int) i), index, size, slide);
    }
}
