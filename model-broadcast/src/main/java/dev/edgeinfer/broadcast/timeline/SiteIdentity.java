package dev.edgeinfer.broadcast.timeline;

import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ReleaseTarget;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Who a site is, as release targets see it: its id ({@code edgeinfer.site.id}) and its labels
 * ({@code edgeinfer.site.labels}, e.g. {@code wave=1,region=north}).
 *
 * <pre>{@code
 * SiteIdentity plant = new SiteIdentity("plant-1", Map.of("wave", "1"));
 * timeline.resolve("sensor-anomaly", eventTime, deviceId, plant);
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Immutable; labels are kept sorted. Ids, label keys and values
 * are 1..200 characters without whitespace, control characters, {@code ','} or {@code '='}
 * ({@link ReleaseTarget#NAME}; they are written as {@code key=value} lists). Changing a site's id or labels changes which releases
 * apply there from the next restore on; records already scored keep the version they got.
 *
 * @param id the site id, e.g. {@code plant-7}
 * @param labels the site's labels, possibly empty
 */
public record SiteIdentity(String id, Map<String, String> labels) implements Serializable {

    private static final long serialVersionUID = 1L;

    public SiteIdentity {
        requireName("site id", id);
        Objects.requireNonNull(labels, "labels");
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.forEach((k, v) -> {
            requireName("site label key", k);
            requireName("site label value (" + k + ")", v);
            sorted.put(k, v);
        });
        labels = Collections.unmodifiableMap(sorted);
    }

    /** Whether {@code release} applies to this site ({@link ReleaseTarget#matches}). */
    public boolean accepts(ModelRelease release) {
        return release.targets().matches(id, labels);
    }

    /** A site with no labels. */
    public static SiteIdentity of(String id) {
        return new SiteIdentity(id, Map.of());
    }

    /**
     * Parses {@code key=value[,key=value...]} (blank: none).
     *
     * @throws IllegalArgumentException naming the offending entry
     */
    public static Map<String, String> parseLabels(String text) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("site label must be key=value, got '" + e + "'");
            }
            String key = e.substring(0, eq).trim();
            requireName("site label key", key);
            String value = e.substring(eq + 1).trim();
            requireName("site label value (" + key + ")", value);
            if (labels.put(key, value) != null) {
                throw new IllegalArgumentException("site label '" + key + "' is given twice in '" + text + "'");
            }
        }
        return labels;
    }

    static void requireName(String what, String value) {
        if (value == null || !ReleaseTarget.NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1..200 characters without whitespace, control "
                    + "characters, ',' or '=', got '" + value + "'");
        }
    }
}
