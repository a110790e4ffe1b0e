package dev.edgeinfer.optimize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

class InputFilesTest {

    @Test
    void readsImagesResizedNormalisedAndLabelledByFileName(@TempDir Path dir) throws Exception {
        BufferedImage red = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        var g = red.createGraphics();
        g.setColor(new Color(255, 0, 0));
        g.fillRect(0, 0, 8, 8);
        g.dispose();
        ImageIO.write(red, "png", dir.resolve("red-0001.png").toFile());
        ImageIO.write(red, "png", dir.resolve("unknown.png").toFile());
        InputFiles.Samples s = InputFiles.read(
                dir,
                new long[] {1, 3, 4, 4},
                new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f},
                List.of("green", "red"));
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.labels()).containsExactly(1, -1);
        assertThat(s.inputs().get(0)[0]).isEqualTo(1f);
        assertThat(s.inputs().get(0)[16]).isEqualTo(-1f);
    }

    @Test
    void readsNpyAndRawFloatFiles(@TempDir Path dir) throws Exception {
        float[] values = {1, 2, 3, 4, 5, 6};
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        Files.write(dir.resolve("x.f32"), data.array());
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        header = header + " ".repeat(128 - 10 - header.length() - 1) + "\n";
        ByteBuffer npy = ByteBuffer.allocate(10 + header.length() + 24).order(ByteOrder.LITTLE_ENDIAN);
        npy.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 1)
                .put((byte) 0)
                .putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII))
                .put(data.array());
        Files.write(dir.resolve("x.npy"), npy.array());
        for (String name : List.of("x.f32", "x.npy")) {
            InputFiles.Samples s = InputFiles.read(dir.resolve(name), new long[] {1, 3}, null, null, List.of());
            assertThat(s.inputs()).hasSize(2);
            assertThat(s.inputs().get(1)).containsExactly(4, 5, 6);
            assertThat(s.labels()).containsExactly(-1, -1);
        }
    }

    @Test
    void rejectsAFileThatIsNotAWholeNumberOfSamples(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("x.f32"), new byte[20]);
        assertThatThrownBy(() -> InputFiles.read(dir.resolve("x.f32"), new long[] {1, 3}, null, null, List.of()))
                .isInstanceOf(OptimizationException.class)
                .hasMessageContaining("20 bytes");
    }
}
