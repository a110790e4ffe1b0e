package dev.edgeinfer.broadcast.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.release.ModelSignature;
import dev.edgeinfer.broadcast.release.TensorSpec;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

class BroadcastSerializerTest {

    private final ModelRelease release = Releases.release("sensor-anomaly", "v2", 1767225600000L)
            .signature(ModelSignature.declared(List.of(TensorSpec.of("features", -1, 32), TensorSpec.of("mask", 4)),
                    List.of(TensorSpec.of("score", -1, 1))))
            .canaryPercent(20)
            .build();

    private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        serializer.serialize(value, out); // two in a row: each read must consume exactly its own bytes
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T first = serializer.deserialize(in);
        T second = serializer.deserialize(in);
        assertThat(second).isEqualTo(first);
        assertThat(in.available()).isZero();
        // copy(DataInputView, DataOutputView) must reproduce the same bytes.
        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer(), out.length() / 2, out.length() / 2), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        return first;
    }

    @Test
    void releasesStateValueSerializerRoundTripsARelease() throws IOException {
        TypeSerializer<ModelRelease> values = ModelBroadcast.RELEASES_STATE.getValueSerializer();
        TypeSerializer<String> keys = ModelBroadcast.RELEASES_STATE.getKeySerializer();
        assertThat(roundTrip(values, release)).isEqualTo(release);
        assertThat(roundTrip(keys, release.releaseId())).isEqualTo(release.releaseId());
        assertThat(ModelBroadcast.RELEASES_STATE.getName()).isEqualTo("edgeinfer-model-releases");
    }

    @Test
    void releaseTypeInformationCreatesTheJsonSerializer() throws IOException {
        TypeSerializer<ModelRelease> s = ModelBroadcast.RELEASE_TYPE.createSerializer(new SerializerConfigImpl());
        assertThat(s).isSameAs(ModelReleaseSerializer.INSTANCE);
        assertThat(s.duplicate()).isEqualTo(s);
        assertThat(roundTrip(s, release)).isEqualTo(release);
    }

    @Test
    void serializerSnapshotRestoresACompatibleSerializer() throws IOException {
        for (TypeSerializer<?> serializer : List.of(ModelReleaseSerializer.INSTANCE, ControlMessageSerializer.INSTANCE)) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
            TypeSerializerSnapshot<?> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                    new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
            assertThat(restored.restoreSerializer()).isEqualTo(serializer);
            @SuppressWarnings({"unchecked", "rawtypes"})
            TypeSerializerSchemaCompatibility<?> compat =
                    ((TypeSerializerSnapshot) serializer.snapshotConfiguration()).resolveSchemaCompatibility(restored);
            assertThat(compat.isCompatibleAsIs()).isTrue();
        }
    }

    @Test
    void corruptStateFailsTheRestoreWithTheReason() {
        byte[] garbage = "{\"schema\":1}".getBytes(StandardCharsets.UTF_8);
        DataOutputSerializer out = new DataOutputSerializer(32);
        try {
            out.writeInt(garbage.length);
            out.write(garbage);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> ModelReleaseSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("MISSING_FIELD");
    }

    @Test
    void controlMessagesRoundTripThroughTheirSerializer() throws IOException {
        TypeSerializer<ControlMessage> s = ModelBroadcast.CONTROL_MESSAGE_TYPE.createSerializer(new SerializerConfigImpl());
        ControlMessage ok = new ControlMessage.Release(release, "edge.models.control", 0, 17L);
        ControlMessage bad = new ControlMessage.Rejected(Reason.MALFORMED_JSON, null, "xx", "not json", null,
                null, new byte[] {1, 2, 3}, "edge.models.control", 2, 99L);
        ControlMessage badWithKey = new ControlMessage.Rejected(Reason.KEY_MISMATCH, "key", "sensor-anomaly",
                "detail ".repeat(20_000), "sensor-anomaly", "sensor-anomaly".getBytes(StandardCharsets.UTF_8),
                ModelReleaseJson.toJson(release), null, -1, -1L);
        assertThat(roundTrip(s, ok)).isEqualTo(ok);
        assertThat(roundTrip(s, bad)).isEqualTo(bad);
        assertThat(roundTrip(s, badWithKey)).isEqualTo(badWithKey);
    }
}
