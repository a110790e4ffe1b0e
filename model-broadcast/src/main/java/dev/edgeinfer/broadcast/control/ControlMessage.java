package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.DeprecationJson;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One record of the control topic, decoded: a valid {@link Release}, a valid {@link Advisory}
 * (a version marked bad), or a {@link Rejected} record with its raw bytes and a machine-readable
 * reason. The control source
 * never throws on a bad record (that would fail and restart the job in a loop on a poisoned,
 * compacted topic that is replayed from the beginning); it emits a {@code Rejected} so the job can
 * report it on the status topic and carry on with the current versions.
 *
 * <pre>{@code
 * if (message instanceof ControlMessage.Release r) {
 *     state.put(r.release().releaseId(), r.release());
 * } else if (message instanceof ControlMessage.Rejected x) {
 *     report(x.reason(), x.field(), x.offendingValue(), x.modelHint());
 * }
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #decode} is total: for any bytes it returns a message,
 * never throws. A record is rejected with {@link Reason#KEY_MISMATCH} when its Kafka key is not
 * the release's {@link ModelRelease#releaseId()} (see {@link ModelBroadcast} for why the key
 * matters). {@code topic}/{@code partition}/{@code offset} identify the source record for the
 * report; they are {@code null}/{@code -1} for messages not read from Kafka.
 */
public sealed interface ControlMessage extends Serializable
        permits ControlMessage.Release, ControlMessage.Rejected, ControlMessage.Advisory {

    /** The topic the record came from, or {@code null}. */
    String topic();

    /** The partition, or -1. */
    int partition();

    /** The offset, or -1. */
    long offset();

    /**
     * A valid release read from the control topic.
     *
     * @param release the validated release
     */
    record Release(ModelRelease release, String topic, int partition, long offset) implements ControlMessage {
        public Release {
            Objects.requireNonNull(release, "release");
        }
    }

    /**
     * A valid {@link DeprecationAdvisory} read from the control topic (its key is its
     * {@link DeprecationAdvisory#advisoryId()}).
     */
    record Advisory(DeprecationAdvisory advisory, String topic, int partition, long offset) implements ControlMessage {
        public Advisory {
            Objects.requireNonNull(advisory, "advisory");
        }
    }

    /**
     * A control record that is not an acceptable release.
     *
     * @param reason why it was refused
     * @param field the field at fault, or {@code null}
     * @param offendingValue the offending value (truncated), or {@code null}
     * @param detail human-readable explanation
     * @param model the model the record seems to be about (from its JSON {@code model} field or
     *     the model of a key shaped like a release id), or {@code null}: nobody's, so every job
     *     reports it
     * @param key the raw record key, or {@code null}
     * @param value the raw record value (never {@code null}; tombstones are not rejections)
     */
    record Rejected(Reason reason, String field, String offendingValue, String detail, String model,
            byte[] key, byte[] value, String topic, int partition, long offset) implements ControlMessage {

        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(value, "value");
            key = key == null ? null : key.clone();
            value = value.clone();
        }

        /** The model hint, if any. */
        public Optional<String> modelHint() {
            return Optional.ofNullable(model);
        }

        @Override
        public byte[] key() {
            return key == null ? null : key.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        /** The key as UTF-8 text, or {@code null}. */
        public String keyAsString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rejected r && reason == r.reason && Objects.equals(field, r.field)
                    && Objects.equals(offendingValue, r.offendingValue) && Objects.equals(detail, r.detail)
                    && Objects.equals(model, r.model) && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                    && Objects.equals(topic, r.topic) && partition == r.partition && offset == r.offset;
        }

        @Override
        public int hashCode() {
            return Objects.hash(reason, field, offendingValue, detail, model, Arrays.hashCode(key),
                    Arrays.hashCode(value), topic, partition, offset);
        }

        @Override
        public String toString() {
            return "Rejected[" + reason + (field == null ? "" : " " + field) + " '" + offendingValue + "' "
                    + topic + "-" + partition + "@" + offset + " key=" + keyAsString() + ": " + detail + "]";
        }
    }

    /**
     * Decodes one control record; total (never throws).
     *
     * @param key the record key; must equal the release's {@code releaseId()} when {@code requireReleaseIdKey}
     * @param value the record value, not {@code null} (callers skip tombstones)
     */
    public static ControlMessage decode(byte[] key, byte[] value, String topic, int partition, long offset,
            boolean requireReleaseIdKey) {
        Objects.requireNonNull(value, "value (tombstones must be skipped by the caller)");
        if (DeprecationJson.isAdvisory(value)) {
            return decodeAdvisory(key, value, topic, partition, offset, requireReleaseIdKey);
        }
        ModelRelease release;
        try {
            release = ModelReleaseJson.fromJson(value);
        } catch (InvalidReleaseException e) {
            return rejected(e, key, value, topic, partition, offset);
        } catch (RuntimeException e) {
            // Defensive: fromJson is meant to throw only InvalidReleaseException, but a control
            // source that dies on one record would stall every model, so anything else is a rejection too.
            return new Rejected(Reason.MALFORMED_JSON, null, null, "unexpected error decoding release: " + e,
                    modelHint(key, value), key, value, topic, partition, offset);
        }
        if (requireReleaseIdKey) {
            String expected = release.releaseId();
            String actual = key == null ? null : new String(key, StandardCharsets.UTF_8);
            if (!expected.equals(actual)) {
                return new Rejected(Reason.KEY_MISMATCH, "key", actual,
                        "control record key must be the releaseId '" + expected + "', got '" + actual
                                + "' (a per-model key would let compaction delete the activation history)",
                        release.model(), key, value, topic, partition, offset);
            }
        }
        return new Release(release, topic, partition, offset);
    }

    private static ControlMessage decodeAdvisory(byte[] key, byte[] value, String topic, int partition, long offset,
            boolean requireKey) {
        DeprecationAdvisory advisory;
        try {
            advisory = DeprecationJson.fromJson(value);
        } catch (InvalidReleaseException e) {
            return rejected(e, key, value, topic, partition, offset);
        }
        String actual = key == null ? null : new String(key, StandardCharsets.UTF_8);
        if (requireKey && !advisory.advisoryId().equals(actual)) {
            return new Rejected(Reason.KEY_MISMATCH, "key", actual, "control record key must be the advisoryId '"
                    + advisory.advisoryId() + "', got '" + actual + "'", advisory.model(), key, value, topic,
                    partition, offset);
        }
        return new Advisory(advisory, topic, partition, offset);
    }

    private static Rejected rejected(InvalidReleaseException e, byte[] key, byte[] value, String topic, int partition,
            long offset) {
        return new Rejected(e.reason(), e.field(), e.offendingValue(), e.getMessage(), modelHint(key, value), key,
                value, topic, partition, offset);
    }

    private static String modelHint(byte[] key, byte[] value) {
        JsonNode model = null;
        if (value != null) {
            try {
                model = JsonFields.MAPPER.readTree(value).get("model");
            } catch (IOException notJson) {
                // Only a hint for a record already rejected with its own reason: fall back to the key.
            }
        }
        if (model != null && model.isTextual() && !model.textValue().isBlank()) {
            return model.textValue();
        }
        if (key != null) {
            // Only a key shaped like a release id names a model; anything else names nobody, so
            // that every job (not none) reports the record.
            // model@activateAt@version@sha256-prefix, as ModelRelease.releaseId() writes it
            Matcher id = Pattern.compile("([^@\\s]+)@-?\\d+@[^@\\s]+@[0-9a-f]+")
                    .matcher(new String(key, StandardCharsets.UTF_8));
            return id.matches() ? id.group(1) : null;
        }
        return null;
    }
}
