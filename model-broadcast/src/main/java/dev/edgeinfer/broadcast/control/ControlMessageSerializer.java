package dev.edgeinfer.broadcast.control;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.DeprecationJson;
import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Flink serializer for {@link ControlMessage} (the control source's output type), so the control
 * stream never falls back to Kryo. Layout: a tag byte ({@code 0} release, {@code 1} rejected,
 * {@code 2} advisory), then the fields; a release is embedded with {@link ModelReleaseSerializer},
 * an advisory as its length-prefixed {@link DeprecationJson}.
 *
 * <pre>{@code
 * DataStream<ControlMessage> control = env.fromSource(ModelBroadcast.controlSource(...), ...);
 * // produced type is ModelBroadcast.CONTROL_MESSAGE_TYPE, backed by this serializer
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Stateless and thread-safe. The layout is versioned by
 * {@link Snapshot}; change it only together with a new snapshot version.
 */
public final class ControlMessageSerializer extends ImmutableSerializer<ControlMessage> {

    private static final long serialVersionUID = 1L;

    public static final ControlMessageSerializer INSTANCE = new ControlMessageSerializer();

    private static final byte RELEASE = 0;
    private static final byte REJECTED = 1;
    private static final byte ADVISORY = 2;

    @Override
    public void serialize(ControlMessage message, DataOutputView out) throws IOException {
        if (message instanceof ControlMessage.Release r) {
            out.writeByte(RELEASE);
            ModelReleaseSerializer.INSTANCE.serialize(r.release(), out);
        } else if (message instanceof ControlMessage.Advisory a) {
            out.writeByte(ADVISORY);
            writeBytes(out, DeprecationJson.toJson(a.advisory()));
        } else {
            ControlMessage.Rejected x = (ControlMessage.Rejected) message;
            out.writeByte(REJECTED);
            writeString(out, x.reason().name());
            writeString(out, x.field());
            writeString(out, x.offendingValue());
            writeString(out, x.detail());
            writeString(out, x.model());
            writeBytes(out, x.key());
            writeBytes(out, x.value());
        }
        writeString(out, message.topic());
        out.writeInt(message.partition());
        out.writeLong(message.offset());
    }

    @Override
    public ControlMessage deserialize(DataInputView in) throws IOException {
        byte tag = in.readByte();
        if (tag == RELEASE) {
            ModelRelease release = ModelReleaseSerializer.INSTANCE.deserialize(in);
            return new ControlMessage.Release(release, readString(in), in.readInt(), in.readLong());
        }
        if (tag == ADVISORY) {
            DeprecationAdvisory advisory;
            try {
                advisory = DeprecationJson.fromJson(readBytes(in));
            } catch (InvalidReleaseException e) {
                throw new IOException("corrupt ControlMessage bytes: " + e.getMessage(), e);
            }
            return new ControlMessage.Advisory(advisory, readString(in), in.readInt(), in.readLong());
        }
        if (tag != REJECTED) {
            throw new IOException("corrupt ControlMessage bytes: unknown tag " + tag);
        }
        Reason reason = Reason.valueOf(readString(in));
        String field = readString(in);
        String offendingValue = readString(in);
        String detail = readString(in);
        String model = readString(in);
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        return new ControlMessage.Rejected(reason, field, offendingValue, detail, model, key, value,
                readString(in), in.readInt(), in.readLong());
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        // Rare (network shuffles of raw bytes); round-tripping keeps the layout defined in one place.
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<ControlMessage> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot; public with a no-arg constructor because Flink instantiates it on restore. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ControlMessage> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
