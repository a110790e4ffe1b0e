package dev.edgeinfer.jobs.sensor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * Parses and validates one {@code edge.sensor.readings} value: JSON
 * {@code {"deviceId": "...", "ts": epochMillis, "values": [f, ...]}}.
 *
 * <p>Every way a record can be wrong maps to one {@link SensorRejectReason} with a detail naming the
 * offending value; nothing throws. Pure and allocation-light: safe to call from any operator.
 */
public final class SensorReadingParser implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Earliest plausible event time: 2000-01-01T00:00:00Z. */
    static final long MIN_TS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();

    static final int MAX_DEVICE_ID_LENGTH = 128;

    private final int channels;
    private final int maxRecordBytes;
    private final long maxFutureSkewMillis;
    private transient ObjectMapper mapper;

    /**
     * @param channels values each reading must carry
     * @param maxRecordBytes larger values are rejected before parsing
     * @param maxFutureSkew how far ahead of this machine's clock a timestamp may be
     */
    public SensorReadingParser(int channels, int maxRecordBytes, Duration maxFutureSkew) {
        this.channels = channels;
        this.maxRecordBytes = maxRecordBytes;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    }

    /** Values each reading must carry. */
    public int channels() {
        return channels;
    }

    /** Result of parsing: exactly one of {@code reading} and {@code rejection} is set. */
    public record Result(SensorReading reading, SensorRejectReason rejection, String detail) {
        static Result ok(SensorReading reading) {
            return new Result(reading, null, null);
        }

        static Result reject(SensorRejectReason reason, String detail) {
            return new Result(null, reason, detail);
        }

        public boolean isValid() {
            return reading != null;
        }
    }

    public Result parse(byte[] value, long kafkaTimestamp) {
        return parse(value, kafkaTimestamp, System.currentTimeMillis());
    }

    Result parse(byte[] value, long kafkaTimestamp, long nowMillis) {
        if (value == null || value.length == 0) {
            return Result.reject(SensorRejectReason.EMPTY_RECORD, "record has no value");
        }
        if (value.length > maxRecordBytes) {
            return Result.reject(
                    SensorRejectReason.OVERSIZED_RECORD,
                    "value is " + value.length + " bytes, limit is " + maxRecordBytes);
        }
        JsonNode root;
        try {
            root = mapper().readTree(value);
        } catch (JsonProcessingException e) {
            return Result.reject(SensorRejectReason.MALFORMED_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            return Result.reject(SensorRejectReason.MALFORMED_JSON, String.valueOf(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            return Result.reject(
                    SensorRejectReason.NOT_AN_OBJECT,
                    "expected a JSON object, got " + (root == null ? "nothing" : root.getNodeType()));
        }
        JsonNode deviceNode = root.get("deviceId");
        JsonNode tsNode = root.get("ts");
        JsonNode valuesNode = root.get("values");
        for (var field : new Object[][] {{"deviceId", deviceNode}, {"ts", tsNode}, {"values", valuesNode}}) {
            JsonNode node = (JsonNode) field[1];
            if (node == null || node.isNull()) {
                return Result.reject(SensorRejectReason.MISSING_FIELD, "field '" + field[0] + "' is missing");
            }
        }
        if (!deviceNode.isTextual()) {
            return Result.reject(
                    SensorRejectReason.WRONG_TYPE, "deviceId must be a string, got " + deviceNode.getNodeType());
        }
        String deviceId = deviceNode.textValue();
        if (deviceId.isBlank() || deviceId.length() > MAX_DEVICE_ID_LENGTH) {
            return Result.reject(
                    SensorRejectReason.INVALID_DEVICE_ID,
                    "deviceId must be 1.." + MAX_DEVICE_ID_LENGTH + " non-blank characters, got "
                            + deviceId.length() + " characters");
        }
        if (!tsNode.isIntegralNumber() || !tsNode.canConvertToLong()) {
            return Result.reject(
                    SensorRejectReason.WRONG_TYPE,
                    "ts must be an integer (epoch milliseconds), got " + abbreviate(tsNode.toString()));
        }
        long ts = tsNode.longValue();
        if (ts < MIN_TS || ts > nowMillis + maxFutureSkewMillis) {
            return Result.reject(
                    SensorRejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "ts " + ts + " is outside [" + MIN_TS + ", now + " + maxFutureSkewMillis + " ms]");
        }
        if (!valuesNode.isArray()) {
            return Result.reject(
                    SensorRejectReason.WRONG_TYPE, "values must be an array, got " + valuesNode.getNodeType());
        }
        if (valuesNode.size() != channels) {
            return Result.reject(
                    SensorRejectReason.WRONG_VECTOR_LENGTH,
                    "values has " + valuesNode.size() + " entries, expected " + channels);
        }
        float[] values = new float[channels];
        for (int i = 0; i < channels; i++) {
            JsonNode v = valuesNode.get(i);
            if (v.isTextual() && isNonFiniteLiteral(v.textValue())) {
                return Result.reject(
                        SensorRejectReason.NON_FINITE_VALUE, "values[" + i + "] is " + v.textValue());
            }
            if (!v.isNumber()) {
                return Result.reject(
                        SensorRejectReason.WRONG_TYPE,
                        "values[" + i + "] must be a number, got " + abbreviate(v.toString()));
            }
            double d = v.doubleValue();
            float f = (float) d;
            if (!Double.isFinite(d) || !Float.isFinite(f)) {
                return Result.reject(
                        SensorRejectReason.NON_FINITE_VALUE,
                        "values[" + i + "] is " + v.asText() + " (not a finite float)");
            }
            values[i] = f;
        }
        return Result.ok(new SensorReading(deviceId, ts, values, kafkaTimestamp));
    }

    private static boolean isNonFiniteLiteral(String text) {
        String t = text.trim();
        return t.equalsIgnoreCase("NaN")
                || t.equalsIgnoreCase("Infinity")
                || t.equalsIgnoreCase("-Infinity")
                || t.equalsIgnoreCase("+Infinity");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            JsonMapper m =
                    JsonMapper.builder()
                            // Accept bare NaN/Infinity tokens so they are reported as
                            // NON_FINITE_VALUE rather than as malformed JSON.
                            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                            // "{...}garbage" and {"ts":1,"ts":2} are malformed, not valid.
                            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                            .build();
            m.getFactory()
                    .setStreamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxNestingDepth(8)
                                    .maxNumberLength(64)
                                    .maxStringLength(maxRecordBytes)
                                    .build());
            mapper = m;
        }
        return mapper;
    }
}
