package dev.edgeinfer.broadcast.release;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The sites a release applies to: site ids and site labels ({@code key=value}). A site is
 * targeted when the release names its id <em>or</em> one of its labels; a release that names
 * neither ({@link #ALL}) applies everywhere, as every release did before targets existed.
 *
 * <pre>{@code
 * ReleaseTarget wave1 = ReleaseTarget.of(List.of("plant-1", "plant-2"), List.of("wave=1"));
 * ModelRelease r = release.toBuilder().targets(wave1).build();
 * wave1.matches("plant-3", Map.of("wave", "1"));   // true: the label matches
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Immutable, validated, kept sorted and without duplicates, so
 * two targets naming the same sites and labels are equal whatever the order they were given in.
 * Names are 1..200 characters without whitespace, control characters, {@code ','} or {@code '='}
 * (a label is {@code key=value} of two such names); at most {@value #MAX_ENTRIES} sites and as
 * many labels. Targets are part of the release's signed canonical form and of its
 * {@link ModelRelease#releaseId()} (the same version at the same time for another set of sites is
 * another activation), and a targeted release is written in JSON schema 2, which builds that do
 * not know targets refuse instead of applying it everywhere.
 *
 * @param sites the site ids, sorted; empty when none are named
 * @param labels the site labels as {@code key=value}, sorted; empty when none are named
 */
public record ReleaseTarget(List<String> sites, List<String> labels) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What site ids, label keys and label values may hold. */
    public static final Pattern NAME = Pattern.compile("[^\\s\\p{Cntrl},=]{1,200}");
    /** Most sites (and most labels) a release may name. */
    public static final int MAX_ENTRIES = 256;
    /** Applies to every site. */
    public static final ReleaseTarget ALL = new ReleaseTarget(List.of(), List.of());

    public ReleaseTarget {
        sites = checked("targets.sites", sites, false);
        labels = checked("targets.labels", labels, true);
    }

    /** A target of these sites and labels (either may be empty or null). */
    public static ReleaseTarget of(Collection<String> sites, Collection<String> labels) {
        return new ReleaseTarget(
                sites == null ? List.of() : new ArrayList<>(sites), labels == null ? List.of() : new ArrayList<>(labels));
    }

    /** {@code true} when the release applies to every site. */
    public boolean isAll() {
        return sites.isEmpty() && labels.isEmpty();
    }

    /** Whether a site with this id and these labels is targeted. */
    public boolean matches(String siteId, Map<String, String> siteLabels) {
        if (isAll() || sites.contains(siteId)) {
            return true;
        }
        for (Map.Entry<String, String> label : siteLabels.entrySet()) {
            if (labels.contains(label.getKey() + "=" + label.getValue())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Eight hex characters that tell targets apart in a release id: the start of the sha256 of
     * {@code sites} and {@code labels}, each joined by {@code ','}, separated by {@code '|'}.
     */
    public String digest() {
        String canonical = String.join(",", sites) + "|" + String.join(",", labels);
        return Sha256.of(canonical.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    @Override
    public String toString() {
        return isAll() ? "all sites" : "sites " + sites + " labels " + labels;
    }

    private static List<String> checked(String field, List<String> values, boolean label) {
        if (values == null || values.isEmpty()) {
            return List.of();
        }
        if (values.size() > MAX_ENTRIES) {
            throw InvalidReleaseException.invalid(
                    field, values.size() + " entries", "must have at most " + MAX_ENTRIES + " entries");
        }
        TreeSet<String> sorted = new TreeSet<>();
        for (String v : values) {
            if (v == null) {
                throw InvalidReleaseException.missing(field + "[]");
            }
            int eq = v.indexOf('=');
            boolean ok = label
                    ? eq > 0 && NAME.matcher(v.substring(0, eq)).matches() && NAME.matcher(v.substring(eq + 1)).matches()
                    : NAME.matcher(v).matches();
            if (!ok) {
                throw InvalidReleaseException.invalid(field, v, label
                        ? "must be key=value, each 1..200 characters without whitespace, ',' or '='"
                        : "must be 1..200 characters without whitespace, control characters, ',' or '='");
            }
            sorted.add(v);
        }
        return List.copyOf(sorted);
    }
}
