package dev.edgeinfer.cli.fleet;

import dev.edgeinfer.broadcast.release.JsonFields;
import dev.edgeinfer.cli.fleet.FleetCensus.Row;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The census as people and machines read it: a table with a footer of skipped records, or one JSON
 * object of the documented shape (docs/fleet.md, {@code schema} {@value #SCHEMA}); every field is
 * always present, {@code null} when it does not apply.
 */
public final class CensusOutput {

    /** Version of the JSON shape; raised only when a field changes meaning or goes away. */
    public static final int SCHEMA = 1;

    private CensusOutput() {}

    /** The census at {@code now} as JSON. */
    public static ObjectNode json(List<Row> rows, FleetCensus.Skipped skipped, long now) {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("schema", SCHEMA);
        o.put("at", now);
        ArrayNode array = o.putArray("rows");
        for (Row r : rows) {
            ObjectNode row = array.addObject();
            row.put("site", r.site());
            row.put("job", r.job());
            row.put("model", r.model());
            row.put("serving", r.serving());
            row.put("variant", r.variant());
            row.put("expected", r.expected());
            row.put("releasesBehind", r.releasesBehind());
            row.put("canary", r.canary());
            row.put("canaryPercent", r.canaryPercent());
            row.put("shadow", r.shadow());
            row.put("shadowAgreement", r.shadowAgreement());
            r.staged().forEach(row.putArray("staged")::add);
            row.put("subtasks", r.subtasks());
            row.put("heartbeatAgeMillis", r.heartbeatAgeMillis());
            row.put("recordsPerSecond", r.recordsPerSecond());
            row.put("scored", r.scored());
            row.put("errors", r.errors());
            row.put("p99Micros", r.p99Micros());
            row.put("anomalyRate", r.anomalyRate());
            row.put("topClass", r.topClass());
            row.put("topClassRate", r.topClassRate());
            r.flags().forEach(f -> row.withArray("flags").add(f.name()));
            row.withArray("flags");
        }
        ObjectNode s = o.putObject("skipped");
        s.put("count", skipped.count());
        ObjectNode byReason = s.putObject("byReason");
        skipped.byReason().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> byReason.put(e.getKey(), e.getValue()));
        ArrayNode examples = s.putArray("examples");
        for (FleetCensus.SkippedRecord e : skipped.examples()) {
            examples.addObject().put("where", e.where()).put("reason", e.reason()).put("detail", e.detail());
        }
        return o;
    }

    /** The census at {@code now} as a table, then a footer line per skipped reason and example. */
    public static void table(PrintWriter out, List<Row> rows, FleetCensus.Skipped skipped) {
        out.printf(Locale.ROOT, "%-14s %-14s %-14s %-8s %-12s %-8s %-16s %6s %8s %7s %8s %6s  %s%n", "SITE", "JOB",
                "MODEL", "SERVING", "VARIANT", "EXPECTED", "OTHERS", "AGE s", "REC/s", "ERRORS", "P99 us",
                "RATE%", "FLAGS");
        for (Row r : rows) {
            String others = String.join(",", r.staged());
            if (r.canary() != null) {
                others = (others.isEmpty() ? "" : others + " ") + "canary " + r.canary() + "@" + r.canaryPercent() + "%";
            }
            if (r.shadow() != null) {
                others = (others.isEmpty() ? "" : others + " ") + "shadow " + r.shadow() + (r.shadowAgreement() == null
                        ? "" : String.format(Locale.ROOT, " (agree %.1f%%)", 100 * r.shadowAgreement()));
            }
            double rate = r.topClass() != null ? r.topClassRate() : r.anomalyRate();
            out.printf(Locale.ROOT, "%-14s %-14s %-14s %-8s %-12s %-8s %-16s %6d %8.1f %7d %8s %6.2f  %s%n", r.site(),
                    r.job(), r.model(), r.serving(), r.variant() == null ? "-" : cut(r.variant(), 12),
                    r.expected() == null ? "-" : r.expected(), others.isEmpty() ? "-" : others,
                    r.heartbeatAgeMillis() / 1000, r.recordsPerSecond(), r.errors(),
                    r.p99Micros() == null ? "-" : r.p99Micros().toString(), 100 * rate,
                    r.flags().stream().map(Enum::name).collect(Collectors.joining(",")));
        }
        if (skipped.count() > 0) {
            out.printf(Locale.ROOT, "skipped %d bad record(s): %s%n", skipped.count(),
                    skipped.byReason().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                            .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            skipped.examples().forEach(e -> out.println("  " + e));
        }
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
