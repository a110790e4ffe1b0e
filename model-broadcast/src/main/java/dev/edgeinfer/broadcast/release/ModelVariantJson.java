package dev.edgeinfer.broadcast.release;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code variants} array of {@link ModelReleaseJson}, optional (absent = a single-file
 * release) and added without a schema bump: a reader that ignores it serves the reference file the
 * release's own fields name.
 *
 * <pre>{@code
 * "variants":[{"kind":"int8","sha256":"9d1e...","uri":"file:///models/v3-int8.onnx","sizeBytes":4113,
 *              "cpuFlagsAnyOf":["asimddp","avx512_vnni","avx_vnni"],"executionProvider":"cpu","fidelity":0.995}]
 * }</pre>
 */
final class ModelVariantJson {

    private ModelVariantJson() {}

    static void write(ObjectNode release, List<ModelVariant> variants) {
        if (variants.isEmpty()) {
            return;
        }
        ArrayNode array = release.putArray("variants");
        for (ModelVariant v : variants) {
            ObjectNode n = array.addObject();
            n.put("kind", v.kind());
            n.put("sha256", v.sha256());
            n.put("uri", v.uri());
            n.put("sizeBytes", v.sizeBytes());
            ArrayNode flags = n.putArray("cpuFlagsAnyOf");
            v.cpuFlagsAnyOf().forEach(flags::add);
            n.put("executionProvider", v.executionProvider());
            n.put("fidelity", v.fidelity());
        }
    }

    static List<ModelVariant> read(ObjectNode release) {
        JsonNode array = release.get("variants");
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw InvalidReleaseException.invalid("variants", array, "must be a JSON array of variant objects");
        }
        List<ModelVariant> variants = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String path = "variants[" + i + "]";
            JsonNode n = array.get(i);
            if (!n.isObject()) {
                throw InvalidReleaseException.invalid(path, n, "must be a JSON object");
            }
            JsonNode flagsNode = JsonFields.required(n, "cpuFlagsAnyOf", path + ".cpuFlagsAnyOf");
            if (!flagsNode.isArray()) {
                throw InvalidReleaseException.invalid(path + ".cpuFlagsAnyOf", flagsNode, "must be a JSON array of strings");
            }
            List<String> flags = new ArrayList<>();
            for (JsonNode f : flagsNode) {
                if (!f.isTextual()) {
                    throw InvalidReleaseException.invalid(path + ".cpuFlagsAnyOf", flagsNode, "must be a JSON array of strings");
                }
                flags.add(f.textValue());
            }
            JsonNode fidelity = JsonFields.required(n, "fidelity", path + ".fidelity");
            if (!fidelity.isNumber()) {
                throw InvalidReleaseException.invalid(path + ".fidelity", fidelity, "must be a JSON number in 0..1");
            }
            try {
                variants.add(new ModelVariant(JsonFields.text(n, "kind", path + ".kind"),
                        JsonFields.text(n, "sha256", path + ".sha256"), JsonFields.text(n, "uri", path + ".uri"),
                        JsonFields.longValue(n, "sizeBytes", path + ".sizeBytes"), flags,
                        JsonFields.text(n, "executionProvider", path + ".executionProvider"), fidelity.doubleValue()));
            } catch (InvalidReleaseException e) {
                if (e.field() != null && e.field().startsWith(path)) {
                    throw e;
                }
                // Re-anchor the constructor's generic field name to the JSON path the publisher can find.
                String field = e.field() != null && e.field().startsWith("variants.")
                        ? path + e.field().substring("variants".length())
                        : path;
                throw new InvalidReleaseException(e.reason(), field, e.offendingValue(), field + ": " + e.getMessage(), e);
            }
        }
        return variants;
    }
}
