package dev.edgeinfer.operators.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Flink serializer for {@link SubtaskProgress}: subtask, newest scored event time, then the late
 * boundaries as (release id, boundary) pairs.
 *
 * <p>Why not the POJO or Kryo serializer: a record with a map falls back to Kryo, whose bytes
 * depend on Kryo versions and registration. This format is written down here and versioned by
 * its {@link Snapshot}, so a later format change can still read it.
 */
@Internal
final class SubtaskProgressSerializer extends TypeSerializerSingleton<SubtaskProgress> {

    private static final long serialVersionUID = 1L;

    static final SubtaskProgressSerializer INSTANCE = new SubtaskProgressSerializer();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public SubtaskProgress createInstance() {
        return new SubtaskProgress(SubtaskProgress.UNKNOWN_SUBTASK, Long.MIN_VALUE, Map.of());
    }

    @Override
    public SubtaskProgress copy(SubtaskProgress from) {
        return from;
    }

    @Override
    public SubtaskProgress copy(SubtaskProgress from, SubtaskProgress reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SubtaskProgress record, DataOutputView target) throws IOException {
        target.writeInt(record.subtask());
        target.writeLong(record.newestScoredEventTime());
        target.writeInt(record.lateBoundaries().size());
        for (Map.Entry<String, Long> e : record.lateBoundaries().entrySet()) {
            target.writeUTF(e.getKey());
            target.writeLong(e.getValue());
        }
    }

    @Override
    public SubtaskProgress deserialize(DataInputView source) throws IOException {
        int subtask = source.readInt();
        long newest = source.readLong();
        int count = source.readInt();
        if (count < 0) {
            throw new IOException(
                    "corrupt SubtaskProgress of subtask " + subtask + ": negative boundary count " + count);
        }
        Map<String, Long> boundaries = new HashMap<>();
        for (int i = 0; i < count; i++) {
            boundaries.put(source.readUTF(), source.readLong());
        }
        return new SubtaskProgress(subtask, newest, boundaries);
    }

    @Override
    public SubtaskProgress deserialize(SubtaskProgress reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<SubtaskProgress> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Serializer snapshot; public with a no-arg constructor because Flink instantiates it on
     * restore. Its version is the format version: bump it when the format changes and teach
     * {@link #restoreSerializer()} to read the old one.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<SubtaskProgress> {

        static final int CURRENT_VERSION = 1;

        private int readVersion = CURRENT_VERSION;

        public Snapshot() {}

        @Override
        public int getCurrentVersion() {
            return CURRENT_VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {
            // The version Flink writes in front of this is all there is to it.
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
                throws IOException {
            if (readVersion < 1 || readVersion > CURRENT_VERSION) {
                throw new IOException("cannot read SubtaskProgress state of format version " + readVersion
                        + "; this build reads versions 1.." + CURRENT_VERSION);
            }
            this.readVersion = readVersion;
        }

        @Override
        public TypeSerializer<SubtaskProgress> restoreSerializer() {
            return INSTANCE; // version 1 is the only format so far
        }

        @Override
        public TypeSerializerSchemaCompatibility<SubtaskProgress> resolveSchemaCompatibility(
                TypeSerializerSnapshot<SubtaskProgress> oldSerializerSnapshot) {
            if (!(oldSerializerSnapshot instanceof Snapshot old)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            return old.readVersion == CURRENT_VERSION
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
    }
}
