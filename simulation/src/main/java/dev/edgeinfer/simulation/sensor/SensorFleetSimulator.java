package dev.edgeinfer.simulation.sensor;

import dev.edgeinfer.simulation.FleetSimulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated fleet of sensors writing JSON readings to Kafka at a fixed rate, open-loop: each
 * send is scheduled by the clock, never by the previous send's completion, so a slow pipeline
 * shows up as latency instead of silently lowering the load (no coordinated omission).
 *
 * <p>Devices produce {@link SensorSignal}s with injected anomalies; a configurable fraction of
 * records is malformed on purpose (one of several {@link MalformedKind}s, in rotation). The
 * simulator remembers the ground truth: how many valid readings each device sent and which of
 * them were anomalous, so a consumer can count expected windows and score detection quality.
 */
public final class SensorFleetSimulator extends FleetSimulator {

    /** The kinds of deliberately bad records the simulator sends. */
    public enum MalformedKind {
        NOT_JSON,
        MISSING_FIELD,
        WRONG_TYPE,
        WRONG_VECTOR_LENGTH,
        NON_FINITE,
        ANCIENT_TIMESTAMP,
        EMPTY,
        OVERSIZED
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final int channels;
    private final double malformedFraction;
    private final List<Device> devices = new ArrayList<>();
    private final SplittableRandom random;
    private final AtomicLong malformed = new AtomicLong();
    private final Map<MalformedKind, AtomicLong> malformedByKind = new EnumMap<>(MalformedKind.class);
    private long malformedRotation;

    /**
     * @param bootstrapServers Kafka to write to
     * @param topic the readings topic
     * @param devices number of devices (ids {@code dev-0000}, {@code dev-0001}, ...)
     * @param channels values per reading
     * @param ratePerSecond total records per second across the fleet
     * @param malformedFraction share of records that are deliberately malformed (0..1)
     * @param anomalyRate per-reading probability that an anomaly episode starts
     * @param seed makes signals and anomalies reproducible
     */
    public SensorFleetSimulator(
            String bootstrapServers,
            String topic,
            int devices,
            int channels,
            double ratePerSecond,
            double malformedFraction,
            double anomalyRate,
            long seed) {
        super(bootstrapServers, topic, "edgeinfer-simulator", Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * 1024 * 1024)),
                checked(devices, channels, ratePerSecond, malformedFraction), ratePerSecond);
        this.channels = channels;
        this.malformedFraction = malformedFraction;
        this.random = new SplittableRandom(seed);
        for (int d = 0; d < devices; d++) {
            this.devices.add(
                    new Device(
                            deviceId(d),
                            new SensorSignal(channels, SensorSignal.deviceSeed(seed, d), anomalyRate, AnomalyKind.anomalies())));
        }
        for (MalformedKind kind : MalformedKind.values()) {
            malformedByKind.put(kind, new AtomicLong());
        }
    }

    /** Checks the arguments before the producer is created, so a bad one leaks nothing; returns {@code devices}. */
    private static int checked(int devices, int channels, double ratePerSecond, double malformedFraction) {
        if (devices < 1 || channels < 1 || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException(
                    "need devices >= 1, channels >= 1, rate > 0; got " + devices + ", " + channels + ", " + ratePerSecond);
        }
        if (!(malformedFraction >= 0 && malformedFraction < 1)) {
            throw new IllegalArgumentException("malformed fraction must be in [0, 1), got " + malformedFraction);
        }
        return devices;
    }

    @Override
    protected ProducerRecord<byte[], byte[]> next(int source) {
        Device device = devices.get(source);
        long ts = System.currentTimeMillis();
        byte[] key = device.id.getBytes(StandardCharsets.UTF_8);
        byte[] value;
        if (malformedFraction > 0 && random.nextDouble() < malformedFraction) {
            MalformedKind kind = MalformedKind.values()[(int) (malformedRotation++ % MalformedKind.values().length)];
            value = malformedValue(kind, device.id, ts, channels);
            malformed.incrementAndGet();
            malformedByKind.get(kind).incrementAndGet();
        } else {
            SimulatedReading reading = device.signal.next();
            value = readingJson(device.id, ts, reading.values());
            synchronized (device) {
                if (reading.isAnomalous()) {
                    device.anomalous.set((int) device.valid);
                }
                device.valid++;
            }
        }
        return new ProducerRecord<>(topic(), key, value);
    }

    @Override
    protected ProducerRecord<byte[], byte[]> sample(int i) {
        long ts = System.currentTimeMillis();
        MalformedKind[] kinds = MalformedKind.values();
        // One malformed record in ten, every kind in turn, as next() may send them.
        byte[] value = i % 10 == 9
                ? malformedValue(kinds[(i / 10) % kinds.length], "dev-warmup", ts, channels)
                : readingJson("dev-warmup", ts, warmUpValues(i));
        return new ProducerRecord<>(topic(), "dev-warmup".getBytes(StandardCharsets.UTF_8), value);
    }

    private float[] warmUpValues(int i) {
        float[] values = new float[channels];
        for (int c = 0; c < channels; c++) {
            values[c] = (float) Math.sin(i + c);
        }
        return values;
    }

    /** The id of device {@code device} (0-based): {@code dev-0000}, {@code dev-0001}, ... */
    public static String deviceId(int device) {
        return String.format("dev-%04d", device);
    }

    /** Serialises a valid reading the way producers are expected to write it. */
    public static byte[] readingJson(String deviceId, long ts, float[] values) {
        ObjectNode node = JSON.createObjectNode();
        node.put("deviceId", deviceId);
        node.put("ts", ts);
        ArrayNode array = node.putArray("values");
        for (float v : values) {
            array.add(v);
        }
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deliberately malformed record of {@code kind} from {@code deviceId} at {@code ts}, for readings of {@code channels} values. */
    public static byte[] malformedValue(MalformedKind kind, String deviceId, long ts, int channels) {
        String body =
                switch (kind) {
                    case NOT_JSON -> "{\"deviceId\": \"" + deviceId + "\", \"ts\": " + ts + ", \"values\": [1.0, 2.0";
                    case MISSING_FIELD -> "{\"deviceId\":\"" + deviceId + "\",\"values\":" + zeros(channels) + "}";
                    case WRONG_TYPE -> "{\"deviceId\":\"" + deviceId + "\",\"ts\":\"yesterday\",\"values\":" + zeros(channels) + "}";
                    case WRONG_VECTOR_LENGTH -> "{\"deviceId\":\"" + deviceId + "\",\"ts\":" + ts + ",\"values\":" + zeros(channels + 1) + "}";
                    case NON_FINITE -> "{\"deviceId\":\"" + deviceId + "\",\"ts\":" + ts + ",\"values\":[NaN" + ",0.0".repeat(channels - 1) + "]}";
                    case ANCIENT_TIMESTAMP -> "{\"deviceId\":\"" + deviceId + "\",\"ts\":42,\"values\":" + zeros(channels) + "}";
                    case EMPTY -> "";
                    case OVERSIZED -> "{\"deviceId\":\"" + deviceId + "\",\"pad\":\"" + "x".repeat(128 * 1024) + "\"}";
                };
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static String zeros(int n) {
        return "[" + String.join(",", java.util.Collections.nCopies(n, "0.0")) + "]";
    }

    /** Deliberately malformed records sent so far. */
    public long malformedInjected() {
        return malformed.get();
    }

    /** Malformed records sent, by kind. */
    public Map<MalformedKind, Long> malformedByKind() {
        Map<MalformedKind, Long> out = new EnumMap<>(MalformedKind.class);
        malformedByKind.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Valid readings sent so far. */
    public long validReadings() {
        long total = 0;
        for (Device d : devices) {
            synchronized (d) {
                total += d.valid;
            }
        }
        return total;
    }

    /** Windows the pipeline must produce for what was sent so far (per device, full windows only). */
    public long expectedWindows(int windowSize, int slide) {
        long total = 0;
        for (Device d : devices) {
            synchronized (d) {
                total += LabelledWindows.windowCount(d.valid, windowSize, slide);
            }
        }
        return total;
    }

    /** Valid readings per device id. */
    public Map<String, Long> validReadingsPerDevice() {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Device d : devices) {
            synchronized (d) {
                out.put(d.id, d.valid);
            }
        }
        return out;
    }

    /** Ground truth: does window {@code index} of {@code deviceId} contain an anomalous reading? */
    public boolean windowIsAnomalous(String deviceId, long index, int windowSize, int slide) {
        Device device = devices.get(Integer.parseInt(deviceId.substring(deviceId.indexOf('-') + 1)));
        synchronized (device) {
            return LabelledWindows.windowIsAnomalous(i -> device.anomalous.get((int) i), index, windowSize, slide);
        }
    }

    private static final class Device {
        final String id;
        final SensorSignal signal;
        final BitSet anomalous = new BitSet();
        long valid;

        Device(String id, SensorSignal signal) {
            this.id = id;
            this.signal = signal;
        }
    }
}
