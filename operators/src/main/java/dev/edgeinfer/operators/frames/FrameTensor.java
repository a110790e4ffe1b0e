package dev.edgeinfer.operators.frames;

import java.nio.FloatBuffer;

/**
 * Turns 8-bit RGB frames of any size into a classifier's input: resized to the model's
 * {@code height x width}, normalised per channel, written as one {@code [3, H, W]} (NCHW) block
 * of floats.
 *
 * <p><b>Resizing.</b> Separable resampling with pixel centres at {@code +0.5} (the convention of
 * OpenCV, PIL and PyTorch's {@code align_corners=false}):
 * <ul>
 *   <li>{@link Resize#BILINEAR}: the two nearest source pixels per axis, edges clamped; a frame of
 *       the model's size passes through unchanged. Downscaling by more than 2x skips pixels
 *       (aliasing), as plain bilinear does everywhere.</li>
 *   <li>{@link Resize#AREA}: along an axis that shrinks, each output pixel is the mean of the
 *       source pixels it covers, weighted by the covered fraction (OpenCV's {@code INTER_AREA});
 *       along an axis that grows, bilinear. Best for cameras much larger than the model.</li>
 * </ul>
 *
 * <p><b>Normalisation.</b> {@code value = (pixel / 255 - mean[c]) / std[c]}, computed as one
 * multiply-add per value.
 *
 * <p><b>Allocation-free</b> on the hot path: the interpolation tables are computed once per source
 * size (and kept until a frame of another size arrives), and values are written straight into the
 * caller's buffer. Not thread-safe: one instance per translator.
 */
public final class FrameTensor {

    /** How frames are resampled to the model's input size. */
    public enum Resize {
        BILINEAR,
        AREA
    }

    private final int height;
    private final int width;
    private final Resize resize;
    private final float[] scale = new float[3];
    private final float[] offset = new float[3];

    /** Reused heap staging area: array stores, then one bulk copy into the direct buffer. */
    private float[] staging;
    private int tableSrcWidth = -1;
    private int tableSrcHeight = -1;
    private Axis columns;
    private Axis rows;

    /**
     * @param height the model's input height
     * @param width the model's input width
     * @param mean per-channel mean (pixels scaled to [0, 1])
     * @param std per-channel standard deviation, {@code > 0}
     */
    public FrameTensor(int height, int width, float[] mean, float[] std, Resize resize) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("model input must be at least 1x1, got " + height + "x" + width);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("need 3 means and 3 stds, got " + mean.length + " and " + std.length);
        }
        this.height = height;
        this.width = width;
        this.resize = resize == null ? Resize.BILINEAR : resize;
        for (int c = 0; c < 3; c++) {
            if (!(std[c] > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + std[c]);
            }
            scale[c] = 1f / (255f * std[c]);
            offset[c] = -mean[c] / std[c];
        }
    }

    /** Floats one frame takes: {@code 3 * height * width}. */
    public int floatsPerFrame() {
        return 3 * height * width;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /**
     * Writes {@code frame} at the buffer's position as {@code [3, height, width]} and advances the
     * position by {@link #floatsPerFrame()}.
     */
    public void write(Frame frame, FloatBuffer out) {
        write(frame.rgb(), frame.width(), frame.height(), out);
    }

    /** As {@link #write(Frame, FloatBuffer)}, for interleaved RGB bytes of a {@code srcWidth x srcHeight} image. */
    public void write(byte[] rgb, int srcWidth, int srcHeight, FloatBuffer out) {
        if ((long) srcWidth * srcHeight * 3 != rgb.length) {
            throw new IllegalArgumentException("a " + srcWidth + "x" + srcHeight + " frame needs "
                    + (long) srcWidth * srcHeight * 3 + " bytes, got " + rgb.length);
        }
        if (srcWidth != tableSrcWidth || srcHeight != tableSrcHeight) {
            columns = Axis.of(srcWidth, width, resize);
            rows = Axis.of(srcHeight, height, resize);
            tableSrcWidth = srcWidth;
            tableSrcHeight = srcHeight;
        }
        int base = out.position();
        int plane = height * width;
        if (staging == null) {
            staging = new float[3 * plane];
        }
        float[] t = staging;
        if (srcWidth == width && srcHeight == height) {
            // Frames already at the model's size (the common case for a tuned camera): no resampling.
            for (int i = 0, p = 0; i < plane; i++, p += 3) {
                t[i] = (rgb[p] & 0xFF) * scale[0] + offset[0];
                t[i + plane] = (rgb[p + 1] & 0xFF) * scale[1] + offset[1];
                t[i + 2 * plane] = (rgb[p + 2] & 0xFF) * scale[2] + offset[2];
            }
        } else {
            resample(rgb, srcWidth, t, plane);
        }
        // One bulk copy: per-element puts into a direct buffer cost a bounds check each.
        out.put(base, t, 0, 3 * plane);
        out.position(base + 3 * plane);
    }

    private void resample(byte[] rgb, int srcWidth, float[] t, int plane) {
        for (int oy = 0; oy < height; oy++) {
            int yStart = rows.start[oy];
            int yCount = rows.count[oy];
            int yWeights = oy * rows.stride;
            for (int ox = 0; ox < width; ox++) {
                int xStart = columns.start[ox];
                int xCount = columns.count[ox];
                int xWeights = ox * columns.stride;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int ty = 0; ty < yCount; ty++) {
                    float wy = rows.weights[yWeights + ty];
                    int rowBase = (yStart + ty) * srcWidth;
                    for (int tx = 0; tx < xCount; tx++) {
                        float w = wy * columns.weights[xWeights + tx];
                        int p = (rowBase + xStart + tx) * 3;
                        r += w * (rgb[p] & 0xFF);
                        g += w * (rgb[p + 1] & 0xFF);
                        b += w * (rgb[p + 2] & 0xFF);
                    }
                }
                int i = oy * width + ox;
                t[i] = r * scale[0] + offset[0];
                t[i + plane] = g * scale[1] + offset[1];
                t[i + 2 * plane] = b * scale[2] + offset[2];
            }
        }
    }

    /** Convenience for tests and tools: one frame as a new {@code float[3 * H * W]}. */
    public float[] toArray(Frame frame) {
        float[] out = new float[floatsPerFrame()];
        write(frame, FloatBuffer.wrap(out));
        return out;
    }

    /**
     * Resampling weights along one axis: output pixel {@code o} reads source pixels
     * {@code start[o] .. start[o] + count[o] - 1} with {@code weights[o * stride + t]} (summing to 1).
     */
    static final class Axis {
        final int[] start;
        final int[] count;
        final float[] weights;
        final int stride;

        private Axis(int outputs, int stride) {
            this.start = new int[outputs];
            this.count = new int[outputs];
            this.weights = new float[outputs * stride];
            this.stride = stride;
        }

        static Axis of(int src, int dst, Resize resize) {
            return resize == Resize.AREA && src > dst ? area(src, dst) : bilinear(src, dst);
        }

        static Axis bilinear(int src, int dst) {
            Axis axis = new Axis(dst, 2);
            double ratio = (double) src / dst;
            for (int o = 0; o < dst; o++) {
                double centre = (o + 0.5) * ratio - 0.5;
                int i0 = (int) Math.floor(centre);
                double frac = centre - i0;
                if (i0 < 0) {
                    i0 = 0;
                    frac = 0;
                }
                if (i0 >= src - 1) {
                    i0 = src - 1;
                    frac = 0;
                }
                axis.start[o] = i0;
                if (frac == 0) {
                    axis.count[o] = 1;
                    axis.weights[o * 2] = 1f;
                } else {
                    axis.count[o] = 2;
                    axis.weights[o * 2] = (float) (1 - frac);
                    axis.weights[o * 2 + 1] = (float) frac;
                }
            }
            return axis;
        }

        static Axis area(int src, int dst) {
            double ratio = (double) src / dst;
            int stride = (int) Math.ceil(ratio) + 1;
            Axis axis = new Axis(dst, stride);
            for (int o = 0; o < dst; o++) {
                double from = o * ratio;
                double to = Math.min(src, (o + 1) * ratio);
                int first = (int) Math.floor(from);
                int last = Math.min(src - 1, (int) Math.ceil(to) - 1);
                axis.start[o] = first;
                int n = 0;
                for (int i = first; i <= last; i++) {
                    double overlap = Math.min(to, i + 1) - Math.max(from, i);
                    axis.weights[o * stride + n++] = (float) (overlap / ratio);
                }
                axis.count[o] = n;
            }
            return axis;
        }
    }
}
