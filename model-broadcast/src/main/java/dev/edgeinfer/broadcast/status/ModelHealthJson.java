package dev.edgeinfer.broadcast.status;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.JsonFields;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The {@code "health"} object of a heartbeat on the status topic; the schema is in docs/status-topic.md. */
final class ModelHealthJson {

    /** The required counts, in the order of {@link #counts(ModelHealth)}. */
    private static final String[] COUNTS = {"intervalMillis", "scored", "errors", "nonFinite", "anomalies"};

    private ModelHealthJson() {}

    private static long[] counts(ModelHealth h) {
        return new long[] {h.intervalMillis(), h.scored(), h.errors(), h.nonFinite(), h.anomalies()};
    }

    static void write(ObjectNode o, ModelHealth h) {
        long[] counts = counts(h);
        for (int i = 0; i < COUNTS.length; i++) {
            o.put(COUNTS[i], counts[i]);
        }
        o.put("latencyP50Micros", h.latencyP50Micros());
        o.put("latencyP99Micros", h.latencyP99Micros());
        ArrayNode bins = o.putArray("scoreBins");
        h.scoreBins().forEach(bins::add);
        ObjectNode classes = o.putObject("topClasses");
        h.topClasses().forEach((k, v) -> classes.put(Integer.toString(k), v));
        o.put("otherClasses", h.otherClasses());
        o.put("variant", h.variant());
        o.put("cores", h.cores());
        o.put("cpuModel", h.cpuModel());
        ObjectNode labels = o.putObject("siteLabels");
        h.siteLabels().forEach(labels::put);
        o.put("watermarkLagMillis", h.watermarkLagMillis());
        o.put("uptimeMillis", h.uptimeMillis());
        if (h.shadow() != null) {
            writeShadow(o.putObject("shadow"), h.shadow());
        }
    }

    private static void writeShadow(ObjectNode o, ShadowHealth s) {
        o.put("servingVersion", s.servingVersion());
        o.put("compared", s.compared());
        o.put("agreed", s.agreed());
        if (s.compared() > 0) {
            o.put("agreement", s.agreement()); // derived, for readers; ignored on input
        } else {
            o.putNull("agreement");
        }
        o.put("meanAbsDelta", s.meanAbsDelta());
        o.put("maxAbsDelta", s.maxAbsDelta());
        ArrayNode bins = o.putArray("deltaBins");
        s.deltaBins().forEach(bins::add);
        o.put("skipped", s.skipped());
    }

    private static ShadowHealth readShadow(JsonNode o) {
        if (o == null || o.isNull()) {
            return null;
        }
        if (!o.isObject()) {
            throw InvalidReleaseException.invalid("health.shadow", o, "must be a JSON object");
        }
        JsonNode binsNode = o.get("deltaBins");
        List<Long> bins = new ArrayList<>();
        if (binsNode == null || !binsNode.isArray() || binsNode.size() != ShadowHealth.DELTA_BINS) {
            throw InvalidReleaseException.invalid(
                    "health.shadow.deltaBins", binsNode, "must be an array of " + ShadowHealth.DELTA_BINS + " integers");
        }
        for (JsonNode n : binsNode) {
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
                throw InvalidReleaseException.invalid("health.shadow.deltaBins", binsNode, "must hold counts >= 0");
            }
            bins.add(n.longValue());
        }
        long compared = JsonFields.longValue(o, "compared");
        long agreed = JsonFields.longValue(o, "agreed");
        long skipped = o.hasNonNull("skipped") ? JsonFields.longValue(o, "skipped") : 0L;
        if (compared < 0 || agreed < 0 || agreed > compared || skipped < 0) {
            throw InvalidReleaseException.invalid("health.shadow.agreed", agreed,
                    "counts must be >= 0 and agreed <= compared (" + compared + ")");
        }
        return new ShadowHealth(JsonFields.optionalText(o, "servingVersion"), compared, agreed,
                optionalDouble(o, "meanAbsDelta"), optionalDouble(o, "maxAbsDelta"), bins, skipped);
    }

    private static Double optionalDouble(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() < 0) {
            throw InvalidReleaseException.invalid("health.shadow." + name, v, "must be a number >= 0 or null");
        }
        return v.doubleValue();
    }

    /** The health in {@code o}; every field but the counts is optional, so later additions stay readable. */
    static ModelHealth read(JsonNode o) {
        if (!o.isObject()) {
            throw InvalidReleaseException.invalid("health", o, "must be a JSON object");
        }
        long[] c = new long[COUNTS.length];
        for (int i = 0; i < COUNTS.length; i++) {
            c[i] = JsonFields.longValue(o, COUNTS[i]);
        }
        return new ModelHealth(c[0], c[1], c[2], c[3], c[4],
                JsonFields.optionalLong(o, "latencyP50Micros"),
                JsonFields.optionalLong(o, "latencyP99Micros"),
                bins(o.get("scoreBins")),
                classes(o.get("topClasses")),
                o.hasNonNull("otherClasses") ? JsonFields.longValue(o, "otherClasses") : 0L,
                JsonFields.optionalText(o, "variant"),
                o.hasNonNull("cores") ? JsonFields.intValue(o, "cores") : 0,
                JsonFields.optionalText(o, "cpuModel"),
                labels(o.get("siteLabels")),
                JsonFields.optionalLong(o, "watermarkLagMillis"),
                o.hasNonNull("uptimeMillis") ? JsonFields.longValue(o, "uptimeMillis") : 0L,
                readShadow(o.get("shadow")));
    }

    private static List<Long> bins(JsonNode node) {
        List<Long> bins = new ArrayList<>(ModelHealth.SCORE_BINS);
        if (node == null || node.isNull()) {
            for (int i = 0; i < ModelHealth.SCORE_BINS; i++) {
                bins.add(0L);
            }
            return bins;
        }
        if (!node.isArray() || node.size() != ModelHealth.SCORE_BINS) {
            throw InvalidReleaseException.invalid(
                    "health.scoreBins", node, "must be an array of " + ModelHealth.SCORE_BINS + " integers");
        }
        for (JsonNode n : node) {
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw InvalidReleaseException.invalid("health.scoreBins", node, "must hold integers");
            }
            bins.add(n.longValue());
        }
        return bins;
    }

    private static Map<Integer, Long> classes(JsonNode node) {
        Map<Integer, Long> classes = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : entries(node, "health.topClasses")) {
            int index;
            try {
                index = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw InvalidReleaseException.invalid("health.topClasses", e.getKey(), "keys must be class indices");
            }
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
                throw InvalidReleaseException.invalid("health.topClasses." + index, e.getValue(), "must be an integer");
            }
            classes.put(index, e.getValue().longValue());
        }
        return classes;
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : entries(node, "health.siteLabels")) {
            if (!e.getValue().isTextual()) {
                throw InvalidReleaseException.invalid("health.siteLabels." + e.getKey(), e.getValue(), "must be a string");
            }
            labels.put(e.getKey(), e.getValue().textValue());
        }
        return labels;
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node, String path) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        if (node == null || node.isNull()) {
            return entries;
        }
        if (!node.isObject()) {
            throw InvalidReleaseException.invalid(path, node, "must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            entries.add(it.next());
        }
        return entries;
    }
}
