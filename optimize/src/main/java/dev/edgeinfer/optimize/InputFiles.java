package dev.edgeinfer.optimize;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads sample inputs for calibration and evaluation from files:
 * <ul>
 *   <li>a directory of JPEG/PNG images: each resized to the model's {@code [1, 3, H, W]} input and
 *       normalised ({@code (pixel / 255 - mean) / std}, per channel); an image whose name starts
 *       with a class label and {@code -} or {@code _} (e.g. {@code red-0007.png}) is labelled;</li>
 *   <li>a {@code .npy} file of float32 (little-endian, C order) whose shape is {@code [N, ...]};</li>
 *   <li>any other file: raw little-endian float32, a whole number of samples.</li>
 * </ul>
 *
 * <pre>{@code
 * InputFiles.Samples s = InputFiles.read(Path.of("frames/"), new long[] {1, 3, 224, 224}, mean, std, labels);
 * }</pre>
 */
public final class InputFiles {

    private static final Pattern NPY_SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private InputFiles() {}

    /**
     * Inputs and their labels (-1 where unknown).
     *
     * @param inputs flattened samples
     * @param labels class index per sample, -1 when unknown
     */
    public record Samples(List<float[]> inputs, int[] labels) {
        public Samples {
            inputs = List.copyOf(inputs);
            labels = labels.clone();
        }

        /** Samples {@code [from, to)}. */
        public Samples slice(int from, int to) {
            return new Samples(inputs.subList(from, to), java.util.Arrays.copyOfRange(labels, from, to));
        }

        public int size() {
            return inputs.size();
        }
    }

    /**
     * Reads {@code path} for a model taking {@code sampleShape} ({@code [1, ...]}).
     *
     * @param mean per-channel mean for images (null: none)
     * @param std per-channel std for images (null: 1)
     * @param classLabels class names, to label images by file name (may be empty)
     */
    public static Samples read(Path path, long[] sampleShape, float[] mean, float[] std, List<String> classLabels)
            throws IOException {
        if (Files.isDirectory(path)) {
            return images(path, sampleShape, mean, std, classLabels);
        }
        if (!Files.isRegularFile(path)) {
            throw new OptimizationException("no such input file or directory: " + path);
        }
        int size = OnnxProtos.numel(sampleShape);
        byte[] bytes = Files.readAllBytes(path);
        int offset = 0;
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            offset = npyDataOffset(bytes, path);
        }
        int floats = (bytes.length - offset) / 4;
        if ((bytes.length - offset) % 4 != 0 || floats % size != 0 || floats == 0) {
            throw new OptimizationException(
                    path + " holds " + (bytes.length - offset) + " bytes of data, not a whole number of "
                            + "float32 samples of " + size + " values " + java.util.Arrays.toString(sampleShape));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset).order(ByteOrder.LITTLE_ENDIAN);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < floats / size; i++) {
            float[] sample = new float[size];
            b.asFloatBuffer().get(sample);
            b.position(b.position() + size * 4);
            out.add(sample);
        }
        int[] unknown = new int[out.size()];
        java.util.Arrays.fill(unknown, -1);
        return new Samples(out, unknown);
    }

    private static int npyDataOffset(byte[] bytes, Path path) {
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N' || bytes[2] != 'U') {
            throw new OptimizationException(path + " is not a .npy file (bad magic)");
        }
        int major = bytes[6];
        int headerLen = major == 1
                ? (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8
                : ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int start = major == 1 ? 10 : 12;
        String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
        if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
            throw new OptimizationException(
                    path + " must hold little-endian float32 in C order, header: " + header.trim());
        }
        Matcher m = NPY_SHAPE.matcher(header);
        if (!m.find()) {
            throw new OptimizationException(path + " has no shape in its header: " + header.trim());
        }
        return start + headerLen;
    }

    /**
     * One image as a model input {@code [1, 3, H, W]}: resized (bilinear) and normalised
     * {@code (pixel / 255 - mean) / std} per channel (null mean: 0, null std: 1).
     */
    public static float[] fromImage(BufferedImage img, long[] shape, float[] mean, float[] std) {
        if (shape.length != 4 || shape[1] != 3) {
            throw new OptimizationException(
                    "images need a model input [N, 3, H, W], this model takes " + java.util.Arrays.toString(shape));
        }
        int h = (int) shape[2];
        int w = (int) shape[3];
        BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        float[] x = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int rgb = scaled.getRGB(xx, y);
                for (int c = 0; c < 3; c++) {
                    float v = ((rgb >> (16 - 8 * c)) & 0xff) / 255f;
                    float m = mean == null ? 0 : mean[c];
                    float s = std == null ? 1 : std[c];
                    x[c * h * w + y * w + xx] = (v - m) / s;
                }
            }
        }
        return x;
    }

    private static Samples images(Path dir, long[] shape, float[] mean, float[] std, List<String> classLabels)
            throws IOException {
        if (shape.length != 4 || shape[1] != 3) {
            throw new OptimizationException(
                    "images need a model input [N, 3, H, W], this model takes " + java.util.Arrays.toString(shape));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p ->
                            p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png)$"))
                    .sorted()
                    .toList();
        }
        if (files.isEmpty()) {
            throw new OptimizationException("no .jpg/.jpeg/.png images in " + dir);
        }
        List<float[]> out = new ArrayList<>();
        int[] labels = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            if (img == null) {
                throw new OptimizationException("cannot decode image " + files.get(i));
            }
            float[] x = fromImage(img, shape, mean, std);
            out.add(x);
            String name = files.get(i).getFileName().toString();
            labels[i] = -1;
            for (int k = 0; k < classLabels.size(); k++) {
                String l = classLabels.get(k);
                if (name.startsWith(l + "-") || name.startsWith(l + "_")) {
                    labels[i] = k;
                }
            }
        }
        return new Samples(out, labels);
    }
}
