package dev.edgeinfer.operators.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

class FrameTensorTest {

    private static final float[] ZERO = {0, 0, 0};
    private static final float[] ONE = {1, 1, 1};

    /** A frame whose red channel is {@code red[y][x]}, green 0, blue 255. */
    private static Frame frame(int[][] red) {
        int h = red.length;
        int w = red[0].length;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[(y * w + x) * 3] = (byte) red[y][x];
                rgb[(y * w + x) * 3 + 2] = (byte) 255;
            }
        }
        return new Frame("cam", 1, 1, "t/0/0", w, h, rgb);
    }

    @Test
    void sameSizeIsCopiedAsNchwAndNormalisedPerChannel() {
        Frame f = frame(new int[][] {{0, 51}, {102, 255}});
        float[] mean = {0.5f, 0.25f, 0.1f};
        float[] std = {0.5f, 0.25f, 0.2f};
        float[] t = new FrameTensor(2, 2, mean, std, FrameTensor.Resize.BILINEAR).toArray(f);
        assertThat(t).hasSize(12);
        // Red plane, row-major.
        assertThat(t[0]).isCloseTo((0f - 0.5f) / 0.5f, within(1e-6f));
        assertThat(t[1]).isCloseTo((0.2f - 0.5f) / 0.5f, within(1e-6f));
        assertThat(t[2]).isCloseTo((0.4f - 0.5f) / 0.5f, within(1e-6f));
        assertThat(t[3]).isCloseTo((1f - 0.5f) / 0.5f, within(1e-6f));
        // Green plane: 0 everywhere; blue plane: 255 everywhere.
        for (int i = 4; i < 8; i++) {
            assertThat(t[i]).isCloseTo(-1f, within(1e-6f));
        }
        for (int i = 8; i < 12; i++) {
            assertThat(t[i]).isCloseTo((1f - 0.1f) / 0.2f, within(1e-5f));
        }
    }

    @Test
    void bilinearUpscalingUsesHalfPixelCentresAndClampsEdges() {
        float[] t = new FrameTensor(1, 4, ZERO, ONE, FrameTensor.Resize.BILINEAR).toArray(frame(new int[][] {{0, 255}}));
        // Output centres map to source x = -0.25, 0.25, 0.75, 1.25.
        assertThat(t[0] * 255).isCloseTo(0f, within(1e-3f));
        assertThat(t[1] * 255).isCloseTo(63.75f, within(1e-3f));
        assertThat(t[2] * 255).isCloseTo(191.25f, within(1e-3f));
        assertThat(t[3] * 255).isCloseTo(255f, within(1e-3f));
    }

    @Test
    void bilinearDownscalingByTwoAveragesNeighbours() {
        float[] t = new FrameTensor(1, 2, ZERO, ONE, FrameTensor.Resize.BILINEAR)
                .toArray(frame(new int[][] {{0, 100, 200, 40}}));
        assertThat(t[0] * 255).isCloseTo(50f, within(1e-3f));
        assertThat(t[1] * 255).isCloseTo(120f, within(1e-3f));
    }

    @Test
    void areaDownscalingAveragesTheCoveredPixelsWithFractionalWeights() {
        FrameTensor area = new FrameTensor(2, 2, ZERO, ONE, FrameTensor.Resize.AREA);
        float[] t = area.toArray(frame(new int[][] {
            {0, 10, 20, 30},
            {40, 50, 60, 70},
            {80, 90, 100, 110},
            {120, 130, 140, 150}}));
        assertThat(t[0] * 255).isCloseTo((0 + 10 + 40 + 50) / 4f, within(1e-3f));
        assertThat(t[3] * 255).isCloseTo((100 + 110 + 140 + 150) / 4f, within(1e-3f));
        // 3 -> 2: output 0 covers [0, 1.5): 2/3 of pixel 0 and 1/3 of pixel 1.
        float[] u = new FrameTensor(1, 2, ZERO, ONE, FrameTensor.Resize.AREA).toArray(frame(new int[][] {{30, 90, 150}}));
        assertThat(u[0] * 255).isCloseTo(30 * 2 / 3f + 90 / 3f, within(1e-3f));
        assertThat(u[1] * 255).isCloseTo(90 / 3f + 150 * 2 / 3f, within(1e-3f));
    }

    @Test
    void writesAtTheBufferPositionAndAdvancesItSoABatchIsContiguous() {
        FrameTensor tensor = new FrameTensor(2, 2, ZERO, ONE, FrameTensor.Resize.AREA);
        FloatBuffer buffer = FloatBuffer.allocate(2 * tensor.floatsPerFrame());
        tensor.write(Frame.solid("a", 1, 4, 4, 255, 0, 0), buffer);
        assertThat(buffer.position()).isEqualTo(12);
        tensor.write(Frame.solid("b", 1, 8, 6, 0, 255, 0), buffer);
        assertThat(buffer.position()).isEqualTo(24);
        assertThat(buffer.get(0)).isEqualTo(1f);   // frame a, red
        assertThat(buffer.get(4)).isEqualTo(0f);   // frame a, green
        assertThat(buffer.get(12)).isEqualTo(0f);  // frame b, red
        assertThat(buffer.get(16)).isCloseTo(1f, within(1e-6f)); // frame b, green
    }

    @Test
    void theHotPathAllocatesNothingOnceTheTablesExist() {
        FrameTensor tensor = new FrameTensor(96, 96, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, FrameTensor.Resize.AREA);
        Frame frame = Frame.solid("cam", 1, 160, 120, 10, 200, 30);
        FloatBuffer buffer = ByteBuffer.allocateDirect(tensor.floatsPerFrame() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 20; i++) { // warm up (tables, JIT)
            buffer.clear();
            tensor.write(frame, buffer);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            buffer.clear();
            tensor.write(frame, buffer);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 100 writes").isLessThan(1024);
    }

    @Test
    void rejectsFramesWhoseBytesDoNotMatchTheirSize() {
        FrameTensor tensor = new FrameTensor(2, 2, ZERO, ONE, FrameTensor.Resize.BILINEAR);
        assertThatThrownBy(() -> tensor.write(new byte[11], 2, 2, FloatBuffer.allocate(12)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameTensor(2, 2, ZERO, new float[] {1, 0, 1}, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
