package dev.edgeinfer.jobs.sensor;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.jobs.kafka.DeadLetter;
import dev.edgeinfer.jobs.kafka.RawRecord;
import dev.edgeinfer.operators.sensor.SensorWindow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Synthetic records the sensor job's operators warm up on in {@code open()} (see
 * {@code dev.edgeinfer.operators.Warmup}): readings in their wire form, valid and each kind of
 * malformed (so the parser's rejection paths are compiled too), a result and a dead letter. All
 * carry the device id {@value #DEVICE_ID}; none is ever emitted.
 */
public final class SensorWarmup {

    /** The device id of every synthetic record (the warm-up IT checks none reaches a topic). */
    public static final String DEVICE_ID = "edgeinfer-warm-up";

    private static final String SHA256 = "0".repeat(64);

    private SensorWarmup() {}

    /** Readings as they arrive on the readings topic: valid ones with {@code channels} values, then malformed ones. */
    public static List<byte[]> readings(int channels, long nowMillis) {
        List<String> values = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            values.add(String.format(Locale.ROOT, "%.4f", Math.sin(c + 1)));
        }
        String list = String.join(",", values);
        List<String> json = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            json.add("{\"deviceId\":\"" + DEVICE_ID + "-" + i + "\",\"ts\":" + (nowMillis - i) + ",\"values\":[" + list + "]}");
        }
        json.add("{\"deviceId\":\"" + DEVICE_ID + "\",\"ts\":" + nowMillis + ",\"values\":[" + list + ",1.0]}");
        json.add("{\"deviceId\":\"" + DEVICE_ID + "\",\"ts\":" + nowMillis + "}");
        json.add("{\"deviceId\":\"" + DEVICE_ID + "\",\"ts\":\"soon\",\"values\":[" + list + "]}");
        json.add("{\"deviceId\":\"" + DEVICE_ID + "\",\"ts\":" + nowMillis + ",\"values\":[NaN" + ",0".repeat(channels - 1) + "]}");
        json.add("{\"deviceId\":");
        json.add("[]");
        List<byte[]> bytes = new ArrayList<>();
        json.forEach(s -> bytes.add(s.getBytes(StandardCharsets.UTF_8)));
        bytes.add(new byte[0]);
        return bytes;
    }

    /** A scored window as the results serializer sees it. */
    public static SensorResult result(int channels, int windowSize) {
        SensorWindow window = new SensorWindow(DEVICE_ID, 0, 0, 1, 1, channels, new float[channels * windowSize]);
        return SensorResult.of(window, 0.25f, 0.5f, new ModelId("warm-up", "warm-up", SHA256), "warm-up");
    }

    /** A dead letter as the dead-letter serializer sees it. */
    public static DeadLetter deadLetter() {
        byte[] bytes = DEVICE_ID.getBytes(StandardCharsets.UTF_8);
        return new DeadLetter(new RawRecord(bytes, bytes, "warm-up", 0, 0, 0), SensorRejectReason.MALFORMED_JSON, "warm-up");
    }
}
