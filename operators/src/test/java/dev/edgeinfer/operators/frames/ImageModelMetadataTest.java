package dev.edgeinfer.operators.frames;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.Map;

class ImageModelMetadataTest {

    @Test
    void readsNormalisationLabelsResizeAndSoftmax() {
        ImageModelMetadata m = ImageModelMetadata.parse(Map.of(
                "image.mean", "0.485, 0.456,0.406", "image.std", "0.229,0.224,0.225",
                "labels", "cat,dog", "image.resize", "area", "output.softmax", "true"));
        assertThat(m.problem()).isNull();
        assertThat(m.mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(m.std()).containsExactly(0.229f, 0.224f, 0.225f);
        assertThat(m.labels()).containsExactly("cat", "dog");
        assertThat(m.resize()).isEqualTo(FrameTensor.Resize.AREA);
        assertThat(m.applySoftmax()).isTrue();
        assertThat(m.label(1)).isEqualTo("dog");
    }

    @Test
    void defaultsWithoutMetadata() {
        ImageModelMetadata m = ImageModelMetadata.parse(Map.of());
        assertThat(m.problem()).isNull();
        assertThat(m.mean()).containsExactly(0f, 0f, 0f);
        assertThat(m.std()).containsExactly(1f, 1f, 1f);
        assertThat(m.label(4)).isEqualTo("class-4");
    }

    @Test
    void unusableValuesAreDescribedNotThrown() {
        assertThat(ImageModelMetadata.parse(Map.of("image.mean", "0.5,0.5")).problem()).contains("image.mean");
        assertThat(ImageModelMetadata.parse(Map.of("image.std", "0.5,0,0.5")).problem()).contains("image.std");
        assertThat(ImageModelMetadata.parse(Map.of("image.std", "a,b,c")).problem()).contains("image.std");
        assertThat(ImageModelMetadata.parse(Map.of("labels", "a,,b")).problem()).contains("labels");
        assertThat(ImageModelMetadata.parse(Map.of("image.resize", "cubic")).problem()).contains("image.resize");
        assertThat(ImageModelMetadata.parse(Map.of("output.softmax", "yes")).problem()).contains("output.softmax");
    }

    @Test
    void topKIsSortedByScoreWithTiesByColumn() {
        ImageModelMetadata labels = ImageModelMetadata.parse(Map.of("labels", "a,b,c,d,e"));
        TopK top = TopK.of(new float[] {9, 0.1f, 0.5f, 0.2f, 0.5f, 0.1f, 9}, 1, 5, 3, labels);
        assertThat(top.classes()).extracting(TopK.Scored::label).containsExactly("b", "d", "c");
        assertThat(top.top1().score()).isEqualTo(0.5f);
        assertThat(TopK.of(new float[] {0.3f, 0.7f}, 0, 2, 5, labels).classes()).hasSize(2);
    }
}
