package dev.edgeinfer.operators.frames;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an image classifier's release says about its model, read from
 * {@code ModelRelease.metadata()}: every key is optional.
 *
 * <table>
 *   <caption>Release metadata keys</caption>
 *   <tr><th>key</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@value #MEAN}</td><td>per-channel mean, {@code "r,g,b"}, pixels scaled to [0, 1]</td><td>{@code 0,0,0}</td></tr>
 *   <tr><td>{@value #STD}</td><td>per-channel standard deviation, {@code "r,g,b"}, each {@code > 0}</td><td>{@code 1,1,1}</td></tr>
 *   <tr><td>{@value #LABELS}</td><td>class names in output order, comma-separated; as many as output columns</td><td>{@code class-0, class-1, ...}</td></tr>
 *   <tr><td>{@value #RESIZE}</td><td>{@code bilinear} or {@code area}</td><td>the adapter's</td></tr>
 *   <tr><td>{@value #SOFTMAX}</td><td>{@code true} if the output is logits (softmax applied here)</td><td>{@code false}</td></tr>
 * </table>
 *
 * <p>A tensor value is {@code (pixel / 255 - mean[c]) / std[c]}, the torchvision convention
 * (ImageNet models: mean {@code 0.485,0.456,0.406}, std {@code 0.229,0.224,0.225}). Parsing never
 * throws: a value that cannot be used is described in {@link #problem()}, and the translator
 * rejects the model with it at load time.
 *
 * @param mean three channel means
 * @param std three channel standard deviations
 * @param labels class names, or {@code null} when the release names none
 * @param resize the resampling method, or {@code null} for the adapter's default
 * @param applySoftmax whether to turn the model's output into probabilities
 * @param problem why the metadata is unusable, or {@code null}
 */
public record ImageModelMetadata(
        float[] mean, float[] std, List<String> labels, FrameTensor.Resize resize, boolean applySoftmax, String problem) {

    public static final String MEAN = "image.mean";
    public static final String STD = "image.std";
    public static final String LABELS = "labels";
    public static final String RESIZE = "image.resize";
    public static final String SOFTMAX = "output.softmax";

    /** Nothing declared: pixels in [0, 1], labels {@code class-i}. */
    public static final ImageModelMetadata DEFAULTS =
            new ImageModelMetadata(new float[] {0, 0, 0}, new float[] {1, 1, 1}, null, null, false, null);

    public static ImageModelMetadata parse(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return DEFAULTS;
        }
        List<String> problems = new ArrayList<>();
        float[] mean = floats(metadata, MEAN, DEFAULTS.mean, problems);
        float[] std = floats(metadata, STD, DEFAULTS.std, problems);
        for (float s : std) {
            if (!(s > 0)) {
                problems.add(STD + " values must be > 0, got " + metadata.get(STD));
                break;
            }
        }
        List<String> labels = null;
        String labelText = metadata.get(LABELS);
        if (labelText != null) {
            labels = new ArrayList<>();
            for (String label : labelText.split(",", -1)) {
                if (label.isBlank()) {
                    problems.add(LABELS + " has an empty label: '" + labelText + "'");
                    break;
                }
                labels.add(label.strip());
            }
            labels = List.copyOf(labels);
        }
        FrameTensor.Resize resize = null;
        String resizeText = metadata.get(RESIZE);
        if (resizeText != null) {
            try {
                resize = FrameTensor.Resize.valueOf(resizeText.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(RESIZE + " must be bilinear or area, got '" + resizeText + "'");
            }
        }
        String softmax = metadata.getOrDefault(SOFTMAX, "false").strip();
        if (!softmax.equals("true") && !softmax.equals("false")) {
            problems.add(SOFTMAX + " must be true or false, got '" + softmax + "'");
        }
        return new ImageModelMetadata(mean, std, labels, resize, softmax.equals("true"),
                problems.isEmpty() ? null : "release metadata: " + String.join("; ", problems));
    }

    private static float[] floats(Map<String, String> metadata, String key, float[] fallback, List<String> problems) {
        String text = metadata.get(key);
        if (text == null) {
            return fallback.clone();
        }
        String[] parts = text.split(",", -1);
        if (parts.length != 3) {
            problems.add(key + " must be 3 comma-separated numbers (r,g,b), got '" + text + "'");
            return fallback.clone();
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].strip());
            } catch (NumberFormatException e) {
                problems.add(key + " must be 3 comma-separated numbers (r,g,b), got '" + text + "'");
                return fallback.clone();
            }
            if (!Float.isFinite(out[i])) {
                problems.add(key + " values must be finite, got '" + text + "'");
                return fallback.clone();
            }
        }
        return out;
    }

    /** The label of output column {@code index}. */
    public String label(int index) {
        return labels != null && index < labels.size() ? labels.get(index) : "class-" + index;
    }
}
