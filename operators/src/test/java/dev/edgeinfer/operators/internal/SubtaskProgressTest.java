package dev.edgeinfer.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

class SubtaskProgressTest {

    private static final String V3 = "sensor-anomaly@1200@v3@5271393e52a3";
    private static final String V4 = "sensor-anomaly@1400@v4@6274f146173d";

    @Test
    void atTheSameParallelismEachSubtaskGetsExactlyItsOwnProgress() {
        List<SubtaskProgress> all = List.of(
                new SubtaskProgress(0, 1_500, Map.of(V3, 1_501L)), new SubtaskProgress(1, 900, Map.of(V3, 901L)));

        assertThat(SubtaskProgress.restore(all, 1, 2)).isEqualTo(new SubtaskProgress(1, 900, Map.of(V3, 901L)));
        assertThat(SubtaskProgress.restore(all, 0, 2)).isEqualTo(new SubtaskProgress(0, 1_500, Map.of(V3, 1_501L)));
    }

    @Test
    void afterRescalingEverySubtaskGetsTheLatestOfAll() {
        List<SubtaskProgress> all = List.of(
                new SubtaskProgress(0, 1_500, Map.of(V3, 1_501L)),
                new SubtaskProgress(1, 1_700, Map.of(V3, 901L, V4, 1_701L)));

        assertThat(SubtaskProgress.restore(all, 0, 3))
                .isEqualTo(new SubtaskProgress(0, 1_700, Map.of(V3, 1_501L, V4, 1_701L)));
    }

    @Test
    void aFreshStartHasNoProgress() {
        assertThat(SubtaskProgress.restore(List.of(), 0, 1)).isEqualTo(new SubtaskProgress(0, Long.MIN_VALUE, Map.of()));
    }

    @Test
    void theLegacyStringsOf010AreReadPerSubtaskIncludingEntriesWithoutASubtask() {
        List<SubtaskProgress> legacy = SubtaskProgress.fromLegacyEntries(
                List.of("0|#newest=1500", "0|" + V3 + "=1501", "1|#newest=900", V4 + "=1701"));

        assertThat(legacy).containsExactlyInAnyOrder(
                new SubtaskProgress(0, 1_500, Map.of(V3, 1_501L)),
                new SubtaskProgress(1, 900, Map.of()),
                new SubtaskProgress(SubtaskProgress.UNKNOWN_SUBTASK, Long.MIN_VALUE, Map.of(V4, 1_701L)));
        assertThat(SubtaskProgress.restore(legacy, 1, 2))
                .as("entries of no known subtask apply everywhere")
                .isEqualTo(new SubtaskProgress(1, 900, Map.of(V4, 1_701L)));
    }

    @Test
    void aLegacyEntryNotInTheWrittenFormIsRefusedNamingIt() {
        assertThatThrownBy(() -> SubtaskProgress.fromLegacyEntries(List.of("0|" + V3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(V3);
        assertThatThrownBy(() -> SubtaskProgress.fromLegacyEntries(List.of("0|#newest=soon")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0|#newest=soon");
    }

    @Test
    void theSerializerRoundTripsProgressAndCopiesItBetweenViews() throws IOException {
        SubtaskProgress progress = new SubtaskProgress(2, 1_500, Map.of(V3, 1_501L, V4, Long.MAX_VALUE));
        TypeSerializer<SubtaskProgress> serializer = SubtaskProgressSerializer.INSTANCE;
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(progress, out);

        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(progress);
        DataOutputSerializer copy = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copy);
        assertThat(copy.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    }

    @Test
    void aCorruptBoundaryCountFailsTheRestoreNamingTheSubtask() {
        DataOutputSerializer out = new DataOutputSerializer(32);
        assertThatThrownBy(() -> {
            out.writeInt(4);
            out.writeLong(0);
            out.writeInt(-3);
            SubtaskProgressSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        }).isInstanceOf(IOException.class).hasMessageContaining("subtask 4").hasMessageContaining("-3");
    }

    @Test
    void theSerializerSnapshotIsVersionedAndRestoresACompatibleSerializer() throws IOException {
        TypeSerializerSnapshot<SubtaskProgress> written = SubtaskProgressSerializer.INSTANCE.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, written);

        TypeSerializerSnapshot<SubtaskProgress> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(read).isInstanceOf(SubtaskProgressSerializer.Snapshot.class);
        assertThat(read.getCurrentVersion()).isEqualTo(1);
        assertThat(read.restoreSerializer()).isSameAs(SubtaskProgressSerializer.INSTANCE);
        TypeSerializerSchemaCompatibility<SubtaskProgress> compatibility =
                SubtaskProgressSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compatibility.isCompatibleAsIs()).isTrue();
    }

    @Test
    void aSnapshotOfAnUnknownFutureVersionIsRefused() {
        SubtaskProgressSerializer.Snapshot snapshot = new SubtaskProgressSerializer.Snapshot();

        assertThatThrownBy(() -> snapshot.readSnapshot(2, new DataInputDeserializer(new byte[0]), getClass().getClassLoader()))
                .isInstanceOf(IOException.class).hasMessageContaining("version 2");
    }
}
