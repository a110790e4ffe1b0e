package dev.edgeinfer.jobs.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

class SensorReadingParserTest {

    private static final int CHANNELS = 4;
    private static final int MAX_BYTES = 512;
    private static final Duration SKEW = Duration.ofHours(1);
    private static final long NOW = Instant.parse("2025-11-28T12:00:00Z").toEpochMilli();
    private static final long TS = NOW - 1_500;
    private static final long KAFKA_TS = NOW - 1_000;
    private static final long MIN_TS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();

    private final SensorReadingParser parser = new SensorReadingParser(CHANNELS, MAX_BYTES, SKEW);

    private SensorReadingParser.Result parse(String json) {
        return parser.parse(json == null ? null : json.getBytes(StandardCharsets.UTF_8), KAFKA_TS, NOW);
    }

    private static String record(String deviceId, String ts, String values) {
        return "{\"deviceId\":" + deviceId + ",\"ts\":" + ts + ",\"values\":" + values + "}";
    }

    private static String withValues(String values) {
        return record("\"dev-1\"", String.valueOf(TS), values);
    }

    static Stream<Arguments> badRecords() {
        String tooLong = "\"" + "d".repeat(129) + "\"";
        return Stream.of(
                // case name, value, expected reason, fragments the detail must contain
                Arguments.of("null value", null, SensorRejectReason.EMPTY_RECORD, new String[] {"no value"}),
                Arguments.of("zero bytes", "", SensorRejectReason.EMPTY_RECORD, new String[] {"no value"}),
                Arguments.of("oversized", withValues("[1,2,3," + "4".repeat(MAX_BYTES) + "]"),
                        SensorRejectReason.OVERSIZED_RECORD, new String[] {String.valueOf(MAX_BYTES), "bytes"}),
                Arguments.of("truncated JSON", "{\"deviceId\":\"dev-1\",\"ts\":",
                        SensorRejectReason.MALFORMED_JSON, new String[] {"end-of-input"}),
                Arguments.of("unquoted field name", "{deviceId:\"dev-1\"}",
                        SensorRejectReason.MALFORMED_JSON, new String[] {"'d'"}),
                Arguments.of("plain text", "hello", SensorRejectReason.MALFORMED_JSON, new String[] {"hello"}),
                Arguments.of("trailing garbage after the object", withValues("[1,2,3,4]") + "xyz",
                        SensorRejectReason.MALFORMED_JSON, new String[] {"xyz"}),
                Arguments.of("second object after the first", withValues("[1,2,3,4]") + withValues("[5,6,7,8]"),
                        SensorRejectReason.MALFORMED_JSON, new String[] {"Trailing token"}),
                Arguments.of("duplicate deviceId field",
                        "{\"deviceId\":\"dev-1\",\"deviceId\":\"dev-2\",\"ts\":" + TS + ",\"values\":[1,2,3,4]}",
                        SensorRejectReason.MALFORMED_JSON, new String[] {"Duplicate field 'deviceId'"}),
                Arguments.of("whitespace only", "   ", SensorRejectReason.NOT_AN_OBJECT, new String[] {"MISSING"}),
                Arguments.of("top-level array", "[1,2,3,4]", SensorRejectReason.NOT_AN_OBJECT, new String[] {"ARRAY"}),
                Arguments.of("top-level number", "42", SensorRejectReason.NOT_AN_OBJECT, new String[] {"NUMBER"}),
                Arguments.of("top-level string", "\"dev-1\"", SensorRejectReason.NOT_AN_OBJECT, new String[] {"STRING"}),
                Arguments.of("missing deviceId", "{\"ts\":" + TS + ",\"values\":[1,2,3,4]}",
                        SensorRejectReason.MISSING_FIELD, new String[] {"'deviceId'"}),
                Arguments.of("missing ts", "{\"deviceId\":\"dev-1\",\"values\":[1,2,3,4]}",
                        SensorRejectReason.MISSING_FIELD, new String[] {"'ts'"}),
                Arguments.of("missing values", "{\"deviceId\":\"dev-1\",\"ts\":" + TS + "}",
                        SensorRejectReason.MISSING_FIELD, new String[] {"'values'"}),
                Arguments.of("null deviceId", record("null", String.valueOf(TS), "[1,2,3,4]"),
                        SensorRejectReason.MISSING_FIELD, new String[] {"'deviceId'"}),
                Arguments.of("null ts", record("\"dev-1\"", "null", "[1,2,3,4]"),
                        SensorRejectReason.MISSING_FIELD, new String[] {"'ts'"}),
                Arguments.of("null values", withValues("null"), SensorRejectReason.MISSING_FIELD, new String[] {"'values'"}),
                Arguments.of("deviceId as number", record("7", String.valueOf(TS), "[1,2,3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"deviceId", "NUMBER"}),
                Arguments.of("ts as string", record("\"dev-1\"", "\"" + TS + "\"", "[1,2,3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"ts", "\"" + TS + "\""}),
                Arguments.of("ts as float", record("\"dev-1\"", "1764331198500.5", "[1,2,3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"ts", "1.7643311985005E12"}),
                Arguments.of("ts beyond long", record("\"dev-1\"", "99999999999999999999", "[1,2,3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"ts", "99999999999999999999"}),
                Arguments.of("values as object", withValues("{\"a\":1}"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values", "OBJECT"}),
                Arguments.of("values as string", withValues("\"1,2,3,4\""),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values", "STRING"}),
                Arguments.of("value as string abc", withValues("[1,2,\"abc\",4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values[2]", "abc"}),
                Arguments.of("value as boolean", withValues("[true,2,3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values[0]", "true"}),
                Arguments.of("value as null", withValues("[1,2,3,null]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values[3]", "null"}),
                Arguments.of("value as numeric string", withValues("[1,\"2\",3,4]"),
                        SensorRejectReason.WRONG_TYPE, new String[] {"values[1]", "\"2\""}),
                Arguments.of("three values", withValues("[1,2,3]"),
                        SensorRejectReason.WRONG_VECTOR_LENGTH, new String[] {"3 entries", "expected 4"}),
                Arguments.of("five values", withValues("[1,2,3,4,5]"),
                        SensorRejectReason.WRONG_VECTOR_LENGTH, new String[] {"5 entries", "expected 4"}),
                Arguments.of("empty values", withValues("[]"),
                        SensorRejectReason.WRONG_VECTOR_LENGTH, new String[] {"0 entries", "expected 4"}),
                Arguments.of("bare NaN", withValues("[1,NaN,3,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[1]", "NaN"}),
                Arguments.of("bare Infinity", withValues("[1,2,Infinity,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[2]", "Infinity"}),
                Arguments.of("bare -Infinity", withValues("[1,2,3,-Infinity]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[3]", "-Infinity"}),
                Arguments.of("quoted NaN", withValues("[\"NaN\",2,3,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[0]", "NaN"}),
                Arguments.of("quoted Infinity", withValues("[1,\"Infinity\",3,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[1]", "Infinity"}),
                Arguments.of("quoted -Infinity", withValues("[1,2,\"-Infinity\",4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[2]", "-Infinity"}),
                Arguments.of("1e39 overflows float", withValues("[1,2,3,1e39]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[3]", "E39", "not a finite float"}),
                Arguments.of("-1e39 overflows float", withValues("[-1e39,2,3,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[0]", "-1.0E39"}),
                Arguments.of("1e400 overflows double", withValues("[1,1e400,3,4]"),
                        SensorRejectReason.NON_FINITE_VALUE, new String[] {"values[1]"}),
                Arguments.of("ts before 2000", record("\"dev-1\"", String.valueOf(MIN_TS - 1), "[1,2,3,4]"),
                        SensorRejectReason.TIMESTAMP_OUT_OF_RANGE, new String[] {String.valueOf(MIN_TS - 1)}),
                Arguments.of("ts zero", record("\"dev-1\"", "0", "[1,2,3,4]"),
                        SensorRejectReason.TIMESTAMP_OUT_OF_RANGE, new String[] {"ts 0 "}),
                Arguments.of("ts in seconds not millis", record("\"dev-1\"", String.valueOf(NOW / 1000), "[1,2,3,4]"),
                        SensorRejectReason.TIMESTAMP_OUT_OF_RANGE, new String[] {String.valueOf(NOW / 1000)}),
                Arguments.of("ts beyond future skew",
                        record("\"dev-1\"", String.valueOf(NOW + SKEW.toMillis() + 1), "[1,2,3,4]"),
                        SensorRejectReason.TIMESTAMP_OUT_OF_RANGE,
                        new String[] {String.valueOf(NOW + SKEW.toMillis() + 1), String.valueOf(SKEW.toMillis())}),
                Arguments.of("ts in year 2100", record("\"dev-1\"", "4102444800000", "[1,2,3,4]"),
                        SensorRejectReason.TIMESTAMP_OUT_OF_RANGE, new String[] {"4102444800000"}),
                Arguments.of("empty deviceId", record("\"\"", String.valueOf(TS), "[1,2,3,4]"),
                        SensorRejectReason.INVALID_DEVICE_ID, new String[] {"got 0 characters"}),
                Arguments.of("blank deviceId", record("\"   \"", String.valueOf(TS), "[1,2,3,4]"),
                        SensorRejectReason.INVALID_DEVICE_ID, new String[] {"non-blank", "got 3 characters"}),
                Arguments.of("129-character deviceId", record(tooLong, String.valueOf(TS), "[1,2,3,4]"),
                        SensorRejectReason.INVALID_DEVICE_ID, new String[] {"1..128", "got 129 characters"}));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badRecords")
    void badRecordIsRejectedWithItsReasonAndADetailNamingTheOffendingValue(
            String name, String value, SensorRejectReason expected, String[] detailFragments) {
        SensorReadingParser.Result result = parse(value);

        assertThat(result.isValid()).as(name).isFalse();
        assertThat(result.reading()).isNull();
        assertThat(result.rejection()).as(name + ", detail: " + result.detail()).isEqualTo(expected);
        assertThat(result.detail()).as(name).isNotBlank().contains(detailFragments);
    }

    @Test
    void everyRejectReasonIsProducedByAtLeastOneBadRecord() {
        // A new SensorRejectReason without a bad-record case above fails here.
        Set<SensorRejectReason> produced = EnumSet.noneOf(SensorRejectReason.class);
        badRecords().forEach(args -> produced.add(parse((String) args.get()[1]).rejection()));

        assertThat(produced).containsExactlyInAnyOrderElementsOf(EnumSet.allOf(SensorRejectReason.class));
    }

    @Test
    void bytesThatAreNotUtf8AreMalformedJson() {
        byte[] latin1 = record("\"d\u00e9v\"", String.valueOf(TS), "[1,2,3,4]").getBytes(StandardCharsets.ISO_8859_1);

        SensorReadingParser.Result result = parser.parse(latin1, KAFKA_TS, NOW);

        assertThat(result.rejection()).isEqualTo(SensorRejectReason.MALFORMED_JSON);
        assertThat(result.detail()).contains("UTF-8");
    }

    @Test
    void validRecordParsesToExactValuesAndKeepsTheKafkaTimestamp() {
        SensorReadingParser.Result result = parse(withValues("[1.5,-2.25,0,3e2]"));

        assertThat(result.isValid()).isTrue();
        assertThat(result.rejection()).isNull();
        assertThat(result.detail()).isNull();
        assertThat(result.reading()).isEqualTo(new SensorReading("dev-1", TS, new float[] {1.5f, -2.25f, 0f, 300f}, KAFKA_TS));
        assertThat(result.reading().kafkaTimestamp()).isEqualTo(KAFKA_TS);
        assertThat(result.reading().values()).containsExactly(1.5f, -2.25f, 0f, 300f);
    }

    @Test
    void fieldOrderAndExtraFieldsDoNotMatter() {
        String json = "{\"values\":[4,3,2,1],\"extra\":{\"nested\":true},\"ts\":" + TS + ",\"deviceId\":\"dev-9\"}";

        SensorReadingParser.Result result = parse(json);

        assertThat(result.reading()).isEqualTo(new SensorReading("dev-9", TS, new float[] {4, 3, 2, 1}, KAFKA_TS));
    }

    @Test
    void valuesAreRoundedToTheNearestFloat() {
        SensorReadingParser.Result result = parse(withValues("[0.1,3.4028234663852886E38,1e-50,-0.0]"));

        assertThat(result.reading().values()).containsExactly(0.1f, Float.MAX_VALUE, 0f, -0.0f);
    }

    @Test
    void timestampsAtTheEdgesOfTheRangeAreAccepted() {
        assertThat(parse(record("\"dev-1\"", String.valueOf(MIN_TS), "[1,2,3,4]")).reading().ts())
                .isEqualTo(MIN_TS);
        long latest = NOW + SKEW.toMillis();
        assertThat(parse(record("\"dev-1\"", String.valueOf(latest), "[1,2,3,4]")).reading().ts())
                .isEqualTo(latest);
    }

    @Test
    void deviceIdOf128CharactersIsAccepted() {
        String id = "d".repeat(128);

        assertThat(parse(record("\"" + id + "\"", String.valueOf(TS), "[1,2,3,4]")).reading().deviceId())
                .isEqualTo(id);
    }

    @Test
    void recordOfExactlyTheMaximumSizeIsParsed() {
        String base = withValues("[1,2,3,4]");
        String padded = base.substring(0, base.length() - 1) + ",\"pad\":\""
                + "x".repeat(MAX_BYTES - base.length() - 9) + "\"}";
        assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(MAX_BYTES);

        assertThat(parse(padded).isValid()).isTrue();
        assertThat(parse(padded + " ").rejection()).isEqualTo(SensorRejectReason.OVERSIZED_RECORD);
    }

    @Test
    void futureTimestampIsJudgedAgainstTheGivenClock() {
        long ts = NOW + SKEW.toMillis() + 10;
        String json = record("\"dev-1\"", String.valueOf(ts), "[1,2,3,4]");
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertThat(parser.parse(bytes, KAFKA_TS, NOW).rejection()).isEqualTo(SensorRejectReason.TIMESTAMP_OUT_OF_RANGE);
        assertThat(parser.parse(bytes, KAFKA_TS, NOW + 10).isValid()).isTrue();
    }

    @Test
    void parserWorksAfterJavaSerialisation() throws Exception {
        // Flink ships the parser to task managers by Java serialisation; the mapper is transient.
        SensorReadingParser copy = InstantiationUtil.clone(parser);

        SensorReadingParser.Result result =
                copy.parse(withValues("[1,2,3,4]").getBytes(StandardCharsets.UTF_8), KAFKA_TS, NOW);

        assertThat(result.reading()).isEqualTo(new SensorReading("dev-1", TS, new float[] {1, 2, 3, 4}, KAFKA_TS));
    }
}
