package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The versioned JSON form of a {@link ModelRelease}, as written to the control topic:
 *
 * <pre>{@code
 * {"schema":1,"type":"release","model":"sensor-anomaly","version":"v2",
 *  "sha256":"3f2a...","uri":"file:///models/sensor-anomaly-v2.onnx","sizeBytes":18234,
 *  "signature":{"inputs":[{"name":"features","shape":[-1,32]}],
 *               "outputs":[{"name":"score","shape":[-1,1]}]},
 *  "activateAt":1767225600000,"activateAtIso":"2026-01-01T00:00:00Z","canaryPercent":100,
 *  "publisher":"alice@ml-team","publishedAt":1767225590000,
 *  "signing":{"algorithm":"Ed25519","keyId":"9c1d2e3f4a5b6c7d","signature":"base64..."},
 *  "metadata":{"image.mean":"0.485,0.456,0.406","labels":"red,green,blue"}}
 * }</pre>
 *
 * <p>{@code metadata} is optional too (absent = none; an object of string values, written in key
 * order) and was likewise added without a schema bump. It is signed; see
 * {@link ReleaseSigning#canonicalBytes(ModelRelease)}.
 *
 * <p>{@code variants} is optional as well (absent = a single-file release; see
 * {@link ModelVariantJson} for its form), added without a schema bump: a reader unaware of it
 * serves the reference file named by {@code sha256}/{@code uri}, and cannot verify the signature
 * of a signed multi-variant release (it covers the variants), so it refuses such a release where
 * it checks signatures.
 *
 * <p>{@code targets} ({@link ReleaseTarget}: {@code {"sites":["plant-1"],"labels":["wave=1"]}})
 * scopes a release to some sites. It is written only when the release has targets, and then in
 * schema {@value #SCHEMA_TARGETED}: a reader that predates targets refuses such a release
 * ({@code UNSUPPORTED_SCHEMA}) rather than apply it to every site. This build reads both schemas;
 * a release for every site stays schema {@value #SCHEMA}, byte for byte as before. Variants do not
 * change the schema (see above), targets do: a release with both is schema {@value #SCHEMA_TARGETED}.
 *
 * <p>{@code "shadow":true} marks a shadow activation ({@link ModelRelease#shadow()}): it is
 * written only then, and then in schema {@value #SCHEMA_SHADOW} (with or without
 * {@code targets}), because a reader that ignored the flag would <em>serve</em> the shadow
 * version: builds that predate shadows refuse it ({@code UNSUPPORTED_SCHEMA}). A schema
 * {@value #SCHEMA_SHADOW} message must say {@code "shadow":true}; a schema {@value #SCHEMA} or
 * {@value #SCHEMA_TARGETED} message must not carry the field as {@code true}. Every release that
 * is not a shadow keeps its schema and bytes exactly as before.
 *
 * <p>{@code signing} is optional (absent = unsigned) and was added without a schema bump: readers
 * that ignore it still read every field correctly, they just cannot check the signature. The
 * signature covers {@link ReleaseSigning#canonicalBytes(ModelRelease)}, never these JSON bytes,
 * so re-formatting the JSON (key order, whitespace, escapes) does not break it.
 *
 * <pre>{@code
 * byte[] json = ModelReleaseJson.toJson(release);
 * ModelRelease back = ModelReleaseJson.fromJson(json);   // equals(release)
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> {@link #fromJson(byte[])} either returns a fully validated
 * release or throws {@link InvalidReleaseException} (unchecked) with a {@link Reason}:
 * {@code MALFORMED_JSON} (not a JSON object, duplicate keys, trailing bytes),
 * {@code UNSUPPORTED_SCHEMA} (any {@code schema} other than {@value #SCHEMA}, {@value #SCHEMA_TARGETED} and {@value #SCHEMA_SHADOW}),
 * {@code UNSUPPORTED_TYPE} ({@code type} other than {@code "release"}), {@code MISSING_FIELD},
 * {@code INVALID_FIELD} (wrong JSON type or invalid value). Unknown extra fields are ignored, so
 * newer publishers may add optional fields without a schema bump; anything that changes the
 * meaning of existing fields must bump {@code schema}, which older readers then refuse rather than
 * misread. {@code activateAtIso} is informational: it is optional on input, but if present it must
 * denote exactly {@code activateAt} (a hand-edited ISO time must not be silently ignored).
 * Numbers must be JSON integers ({@code "123"} or {@code 1.5} are rejected).
 */
public final class ModelReleaseJson {

    /** The schema of a release for every site; this build writes it for those and reads it. */
    public static final int SCHEMA = 1;
    /** The schema of a release with {@link ReleaseTarget targets}; this build writes it for those and reads it. */
    public static final int SCHEMA_TARGETED = 2;
    /** The schema of a shadow activation (with or without targets); this build writes it for those and reads it. */
    public static final int SCHEMA_SHADOW = 3;
    /** The {@code type} of a release message. */
    public static final String TYPE = "release";
    /** The only signing algorithm this build writes and accepts in the {@code signing} block. */
    public static final String SIGNING_ALGORITHM = "Ed25519";

    private ModelReleaseJson() {}

    /**
     * The release as UTF-8 JSON bytes (schema {@value #SCHEMA}, {@value #SCHEMA_TARGETED} with
     * targets, {@value #SCHEMA_SHADOW} for a shadow), fields in a fixed order.
     */
    public static byte[] toJson(ModelRelease r) {
        int schema = r.shadow() ? SCHEMA_SHADOW : r.targets().isAll() ? SCHEMA : SCHEMA_TARGETED;
        ObjectNode o = JsonFields.newMessage(schema, TYPE);
        o.put("model", r.model());
        o.put("version", r.version());
        o.put("sha256", r.sha256());
        o.put("uri", r.uri());
        o.put("sizeBytes", r.sizeBytes());
        ObjectNode sig = o.putObject("signature");
        writeTensors(sig.putArray("inputs"), r.signature().inputs());
        writeTensors(sig.putArray("outputs"), r.signature().outputs());
        o.put("activateAt", r.activateAt());
        o.put("activateAtIso", r.activateAtIso());
        o.put("canaryPercent", r.canaryPercent());
        o.put("publisher", r.publisher());
        o.put("publishedAt", r.publishedAt());
        writeSigning(o, r.signedBy(), r.signatureBase64());
        if (!r.metadata().isEmpty()) {
            ObjectNode metadata = o.putObject("metadata");
            r.metadata().forEach(metadata::put);
        }
        ModelVariantJson.write(o, r.variants());
        if (!r.targets().isAll()) {
            ObjectNode targets = o.putObject("targets");
            r.targets().sites().forEach(targets.putArray("sites")::add);
            r.targets().labels().forEach(targets.putArray("labels")::add);
        }
        if (r.shadow()) {
            o.put("shadow", true);
        }
        return JsonFields.write(o);
    }

    private static void writeTensors(ArrayNode array, List<TensorSpec> tensors) {
        for (TensorSpec t : tensors) {
            ObjectNode n = array.addObject();
            n.put("name", t.name());
            ArrayNode shape = n.putArray("shape");
            for (int i = 0; i < t.rank(); i++) {
                shape.add(t.dim(i));
            }
        }
    }

    /**
     * Parses and validates a release.
     *
     * @throws InvalidReleaseException with the reason, the field and the offending value
     */
    public static ModelRelease fromJson(byte[] json) {
        ObjectNode o = JsonFields.parseMessage(json, SCHEMA, SCHEMA_SHADOW, TYPE);
        String model = JsonFields.text(o, "model");
        String version = JsonFields.text(o, "version");
        String sha256 = JsonFields.text(o, "sha256");
        String uri = JsonFields.text(o, "uri");
        long sizeBytes = JsonFields.longValue(o, "sizeBytes");
        JsonNode sig = JsonFields.required(o, "signature", "signature");
        if (!sig.isObject()) {
            throw InvalidReleaseException.invalid("signature", sig, "must be a JSON object");
        }
        List<TensorSpec> inputs = readTensors(sig, "inputs");
        List<TensorSpec> outputs = readTensors(sig, "outputs");
        long activateAt = JsonFields.longValue(o, "activateAt");
        String iso = JsonFields.optionalText(o, "activateAtIso");
        if (iso != null) {
            checkIso(iso, activateAt);
        }
        int canaryPercent = JsonFields.intValue(o, "canaryPercent");
        String publisher = JsonFields.text(o, "publisher");
        long publishedAt = JsonFields.longValue(o, "publishedAt");
        String[] signing = readSigning(o);
        String signedBy = signing[0];
        String signatureBase64 = signing[1];
        Map<String, String> metadata = readMetadata(o);
        ReleaseTarget targets = readTargets(o);
        // The constructors do the semantic validation and throw InvalidReleaseException themselves.
        return new ModelRelease(model, version, sha256, uri, sizeBytes,
                ModelSignature.declared(inputs, outputs), activateAt, canaryPercent, publisher, publishedAt,
                signedBy, signatureBase64, metadata, ModelVariantJson.read(o), targets, readShadow(o));
    }

    /** {@code shadow}: {@code true} in (and only in) a schema-3 message. */
    private static boolean readShadow(ObjectNode o) {
        int schema = o.get("schema").intValue();
        JsonNode node = o.get("shadow");
        boolean shadow = node != null && !node.isNull() && node.isBoolean() && node.booleanValue();
        if (node != null && !node.isNull() && !node.isBoolean()) {
            throw InvalidReleaseException.invalid("shadow", node, "must be a JSON boolean");
        }
        if (schema == SCHEMA_SHADOW && !shadow) {
            throw InvalidReleaseException.invalid("shadow", node, "must be true in schema " + SCHEMA_SHADOW);
        }
        if (schema != SCHEMA_SHADOW && shadow) {
            throw InvalidReleaseException.invalid("shadow", node, "needs schema " + SCHEMA_SHADOW
                    + " (a schema-" + schema + " reader would serve the shadow version)");
        }
        return shadow;
    }

    /**
     * {@code targets} of a schema-2 (or schema-3) message; a schema-1 message must not carry any
     * (older builds would apply it everywhere), a schema-2 message must name at least one site or
     * label, and a schema-3 (shadow) message may carry them or not.
     */
    private static ReleaseTarget readTargets(ObjectNode o) {
        int schema = o.get("schema").intValue();
        JsonNode node = o.get("targets");
        if (node == null || node.isNull()) {
            if (schema == SCHEMA_TARGETED) {
                throw InvalidReleaseException.missing("targets");
            }
            return ReleaseTarget.ALL;
        }
        if (schema == SCHEMA) {
            throw InvalidReleaseException.invalid("targets", node, "needs schema " + SCHEMA_TARGETED
                    + " (a schema-" + schema + " reader would apply the release to every site)");
        }
        if (!node.isObject()) {
            throw InvalidReleaseException.invalid("targets", node, "must be a JSON object {sites, labels}");
        }
        ReleaseTarget targets = ReleaseTarget.of(strings(node, "sites"), strings(node, "labels"));
        if (targets.isAll()) {
            throw InvalidReleaseException.invalid("targets", node, "must name at least one site or label");
        }
        return targets;
    }

    private static List<String> strings(JsonNode targets, String name) {
        String path = "targets." + name;
        JsonNode array = targets.get(name);
        List<String> values = new ArrayList<>();
        if (array == null || array.isNull()) {
            return values;
        }
        if (!array.isArray()) {
            throw InvalidReleaseException.invalid(path, array, "must be a JSON array of strings");
        }
        for (JsonNode v : array) {
            if (!v.isTextual()) {
                throw InvalidReleaseException.invalid(path, array, "must be a JSON array of strings");
            }
            values.add(v.textValue());
        }
        return values;
    }

    /** Writes the optional {@code signing} block (nothing when unsigned); shared by the control messages. */
    static void writeSigning(ObjectNode o, String keyId, String signatureBase64) {
        if (keyId != null) {
            ObjectNode signing = o.putObject("signing");
            signing.put("algorithm", SIGNING_ALGORITHM);
            signing.put("keyId", keyId);
            signing.put("signature", signatureBase64);
        }
    }

    /** The {@code signing} block as {keyId, signature}, both {@code null} when absent. */
    static String[] readSigning(ObjectNode o) {
        JsonNode signing = o.get("signing");
        if (signing == null || signing.isNull()) {
            return new String[2];
        }
        if (!signing.isObject()) {
            throw InvalidReleaseException.invalid("signing", signing, "must be a JSON object {algorithm, keyId, signature}");
        }
        String algorithm = JsonFields.text(signing, "algorithm", "signing.algorithm");
        if (!SIGNING_ALGORITHM.equals(algorithm)) {
            // Refused rather than ignored: silently treating it as unsigned would let a downgrade
            // ("algorithm":"none") pass wherever unsigned releases are still accepted.
            throw InvalidReleaseException.invalid("signing.algorithm", algorithm, "must be " + SIGNING_ALGORITHM);
        }
        return new String[] {
            JsonFields.text(signing, "keyId", "signing.keyId"), JsonFields.text(signing, "signature", "signing.signature")
        };
    }

    private static Map<String, String> readMetadata(ObjectNode o) {
        JsonNode node = o.get("metadata");
        Map<String, String> metadata = new TreeMap<>();
        if (node == null || node.isNull()) {
            return metadata;
        }
        if (!node.isObject()) {
            throw InvalidReleaseException.invalid("metadata", node, "must be a JSON object of string values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw InvalidReleaseException.invalid("metadata." + e.getKey(), e.getValue(), "must be a JSON string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static void checkIso(String iso, long activateAt) {
        Instant instant;
        try {
            instant = Instant.parse(iso);
        } catch (DateTimeParseException e) {
            throw new InvalidReleaseException(Reason.INVALID_FIELD, "activateAtIso", iso,
                    "activateAtIso is not an ISO-8601 instant, got '" + iso + "'", e);
        }
        if (instant.toEpochMilli() != activateAt || instant.getNano() % 1_000_000 != 0) {
            throw InvalidReleaseException.invalid("activateAtIso", iso,
                    "must denote the same instant as activateAt=" + activateAt + " ("
                            + Instant.ofEpochMilli(activateAt) + ")");
        }
    }

    private static List<TensorSpec> readTensors(JsonNode sig, String name) {
        String path = "signature." + name;
        JsonNode array = JsonFields.required(sig, name, path);
        if (!array.isArray()) {
            throw InvalidReleaseException.invalid(path, array, "must be a JSON array");
        }
        List<TensorSpec> tensors = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String tPath = path + "[" + i + "]";
            JsonNode t = array.get(i);
            if (!t.isObject()) {
                throw InvalidReleaseException.invalid(tPath, t, "must be a JSON object {name, shape}");
            }
            String tName = JsonFields.text(t, "name", tPath + ".name");
            JsonNode shapeNode = JsonFields.required(t, "shape", tPath + ".shape");
            if (!shapeNode.isArray()) {
                throw InvalidReleaseException.invalid(tPath + ".shape", shapeNode, "must be a JSON array of integers");
            }
            long[] shape = new long[shapeNode.size()];
            for (int d = 0; d < shape.length; d++) {
                JsonNode dim = shapeNode.get(d);
                if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.longValue() < -1) {
                    throw InvalidReleaseException.invalid(tPath + ".shape", shapeNode,
                            "dimensions must be integers >= 0 or -1 (dynamic)");
                }
                shape[d] = dim.longValue();
            }
            try {
                tensors.add(new TensorSpec(tName, shape));
            } catch (InvalidReleaseException e) {
                // Re-anchor the constructor's generic field name to the JSON path the publisher can find.
                throw new InvalidReleaseException(e.reason(), tPath, e.offendingValue(), tPath + ": " + e.getMessage(), e);
            }
        }
        return tensors;
    }
}
