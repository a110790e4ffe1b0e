package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Flink serializer for {@link ModelRelease}, used by {@link ModelBroadcast#RELEASES_STATE} and
 * inside {@link ControlMessageSerializer}: a length-prefixed {@link ModelReleaseJson} document.
 *
 * <p>Why JSON and not Flink's POJO serializer: a record with a nested
 * {@code List<TensorSpec>} (itself holding a {@code long[]}) falls back to Kryo inside the POJO
 * serializer, whose bytes depend on class registration and Kryo versions — a poor format for
 * checkpointed state that must survive upgrades. The JSON form is already the versioned wire
 * contract (it carries {@code "schema":1}), so state written today stays readable by any build
 * that reads today's control topic.
 *
 * <pre>{@code
 * TypeSerializer<ModelRelease> s = ModelReleaseSerializer.INSTANCE;
 * DataOutputSerializer out = new DataOutputSerializer(256);
 * s.serialize(release, out);
 * ModelRelease back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Stateless and thread-safe (a singleton). Restoring state
 * whose JSON no longer validates (e.g. a future schema read by an old build) fails the restore
 * with an {@link IOException} naming the reason, rather than silently dropping a release.
 */
public final class ModelReleaseSerializer extends ImmutableSerializer<ModelRelease> {

    private static final long serialVersionUID = 1L;

    public static final ModelReleaseSerializer INSTANCE = new ModelReleaseSerializer();

    @Override
    public void serialize(ModelRelease record, DataOutputView target) throws IOException {
        writeBytes(target, ModelReleaseJson.toJson(record));
    }

    @Override
    public ModelRelease deserialize(DataInputView source) throws IOException {
        return decode(readJson(source));
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        // Through a byte[]: DataOutputSerializer.write(DataInputView, n) does not grow its buffer.
        writeBytes(target, readJson(source));
    }

    @Override
    public TypeSerializerSnapshot<ModelRelease> snapshotConfiguration() {
        return new Snapshot();
    }

    private byte[] readJson(DataInputView source) throws IOException {
        byte[] json = readBytes(source);
        if (json == null) {
            throw new IOException("corrupt ModelRelease bytes: no JSON document (length -1)");
        }
        return json;
    }

    private static ModelRelease decode(byte[] json) throws IOException {
        try {
            return ModelReleaseJson.fromJson(json);
        } catch (InvalidReleaseException e) {
            throw new IOException("cannot restore ModelRelease from state (" + e.reason() + " "
                    + e.field() + "): " + e.getMessage(), e);
        }
    }

    /** Serializer snapshot; public with a no-arg constructor because Flink instantiates it on restore. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ModelRelease> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
