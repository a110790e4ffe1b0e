package dev.edgeinfer.broadcast;

import dev.edgeinfer.broadcast.release.ModelRelease;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;

/**
 * Restores state written by EdgeInfer 0.1.0: its checkpoints and savepoints name the release
 * serializer's snapshot {@code dev.edgeinfer.broadcast.ModelReleaseSerializer$Snapshot}, from
 * before the class moved to {@link dev.edgeinfer.broadcast.control.ModelReleaseSerializer}.
 * Flink instantiates that snapshot class by name on restore; this one restores today's
 * serializer, whose format is unchanged. New state names the new class.
 *
 * @deprecated only for restoring 0.1.0 state; use {@link dev.edgeinfer.broadcast.control.ModelReleaseSerializer}
 */
@Deprecated
@Internal
public final class ModelReleaseSerializer {

    private ModelReleaseSerializer() {}

    /** The 0.1.0 snapshot class name; restores {@code control.ModelReleaseSerializer.INSTANCE}. */
    @Deprecated
    @Internal
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ModelRelease> {
        public Snapshot() {
            super(() -> dev.edgeinfer.broadcast.control.ModelReleaseSerializer.INSTANCE);
        }
    }
}
