package dev.edgeinfer.broadcast.signing;

import dev.edgeinfer.broadcast.release.DeprecationAdvisory;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelVariant;
import dev.edgeinfer.broadcast.release.TensorSpec;

import org.apache.flink.annotation.Internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes {@link ReleaseSigning#canonicalBytes(ModelRelease)}; the layout is documented there. */
@Internal
final class CanonicalForm {

    private CanonicalForm() {}

    static byte[] of(ModelRelease r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            // v3 whenever a release carries variants or targets (either or both): metadata, variants
            // and targets are then always written, each as a count (0 when there are none).
            // v4 (a shadow activation): the v3 body followed by the activation's role.
            boolean v4 = r.shadow();
            boolean v3 = v4 || r.hasVariants() || !r.targets().isAll();
            boolean withMetadata = v3 || !r.metadata().isEmpty();
            String prefix = v4
                    ? ReleaseSigning.CANONICAL_PREFIX_V4
                    : v3
                            ? ReleaseSigning.CANONICAL_PREFIX_V3
                            : withMetadata ? ReleaseSigning.CANONICAL_PREFIX_V2 : ReleaseSigning.CANONICAL_PREFIX;
            out.write(prefix.getBytes(StandardCharsets.US_ASCII));
            str(out, r.model());
            str(out, r.version());
            str(out, r.sha256());
            str(out, r.uri());
            out.writeLong(r.sizeBytes());
            tensors(out, r.signature().inputs());
            tensors(out, r.signature().outputs());
            out.writeLong(r.activateAt());
            out.writeInt(r.canaryPercent());
            str(out, r.publisher());
            out.writeLong(r.publishedAt());
            if (withMetadata) {
                out.writeInt(r.metadata().size());
                for (Map.Entry<String, String> e : new TreeMap<>(r.metadata()).entrySet()) {
                    str(out, e.getKey());
                    str(out, e.getValue());
                }
            }
            if (v3) {
                variants(out, r.variants());
                strings(out, r.targets().sites());
                strings(out, r.targets().labels());
            }
            if (v4) {
                str(out, ReleaseSigning.SHADOW_ROLE);
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream cannot fail", e);
        }
        return bytes.toByteArray();
    }

    static byte[] of(DeprecationAdvisory a) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(ReleaseSigning.DEPRECATION_PREFIX.getBytes(StandardCharsets.US_ASCII));
            str(out, a.model());
            str(out, a.version());
            str(out, a.sha256());
            str(out, a.reason());
            out.writeLong(a.effectiveAt());
            str(out, a.publisher());
            out.writeLong(a.publishedAt());
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void strings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            str(out, v);
        }
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = strictUtf8(s);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /**
     * Strict UTF-8: {@code String.getBytes} would map every unpaired surrogate to {@code '?'}, so
     * {@code "a\uD800"} and {@code "a?"} would share canonical bytes (and a signature).
     */
    private static byte[] strictUtf8(String s) {
        try {
            ByteBuffer buf = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("release field is not valid Unicode (unpaired surrogate): cannot be signed", e);
        }
    }

    private static void variants(DataOutputStream out, List<ModelVariant> variants) throws IOException {
        out.writeInt(variants.size());
        for (ModelVariant v : variants) {
            str(out, v.kind());
            str(out, v.sha256());
            str(out, v.uri());
            out.writeLong(v.sizeBytes());
            out.writeInt(v.cpuFlagsAnyOf().size());
            for (String flag : v.cpuFlagsAnyOf()) {
                str(out, flag);
            }
            str(out, v.executionProvider());
            out.writeLong(Double.doubleToLongBits(v.fidelity()));
        }
    }

    private static void tensors(DataOutputStream out, List<TensorSpec> tensors) throws IOException {
        out.writeInt(tensors.size());
        for (TensorSpec t : tensors) {
            str(out, t.name());
            out.writeInt(t.rank());
            for (int i = 0; i < t.rank(); i++) {
                out.writeLong(t.dim(i));
            }
        }
    }
}
