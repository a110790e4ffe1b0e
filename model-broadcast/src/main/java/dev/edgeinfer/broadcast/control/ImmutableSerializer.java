package dev.edgeinfer.broadcast.control;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The parts every serializer of an immutable, variable-length control-plane type shares: no
 * copies, no reuse, and length-prefixed byte and string fields ({@code -1} = {@code null}).
 * Subclasses write only their layout and keep their own {@code Snapshot} (savepoints name it).
 */
@Internal
abstract class ImmutableSerializer<T> extends TypeSerializerSingleton<T> {

    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public T createInstance() {
        // Immutable types have no meaningful "empty" value; Flink allows null for them.
        return null;
    }

    @Override
    public T copy(T from) {
        return from;
    }

    @Override
    public T copy(T from, T reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    static void writeBytes(DataOutputView out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    final byte[] readBytes(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < -1) {
            throw new IOException("corrupt bytes for " + getClass().getSimpleName() + ": length " + n);
        }
        if (n == -1) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeString(DataOutputView out, String s) throws IOException {
        // Length-prefixed UTF-8 rather than writeUTF: details and offending values may exceed 64 KiB.
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    final String readString(DataInputView in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
