package dev.edgeinfer.broadcast.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.broadcast.testutils.Releases;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** A heartbeat with health survives the serializer Flink picks for the status side output (copy and wire). */
class ModelStatusTypeTest {

    @Test
    void aHeartbeatWithHealthIsCopiedAndSerializedByFlinksSerializerUnchanged() throws Exception {
        ModelStatus beat = ModelStatus.heartbeat("plant-1", "j", 0, Releases.full("sensor-anomaly", "v2", 5_000), 7L,
                ModelStatusJsonTest.health(), 3L);
        TypeSerializer<ModelStatus> serializer = TypeInformation.of(ModelStatus.class)
                .createSerializer(new ExecutionConfig().getSerializerConfig());

        assertThat(serializer.copy(beat)).isEqualTo(beat);
        DataOutputSerializer out = new DataOutputSerializer(512);
        serializer.serialize(beat, out);
        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(beat);
    }
}
