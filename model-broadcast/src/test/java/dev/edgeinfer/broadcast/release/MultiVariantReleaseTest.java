package dev.edgeinfer.broadcast.release;

import static dev.edgeinfer.broadcast.testutils.Releases.release;
import static dev.edgeinfer.broadcast.testutils.Releases.sha;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgeinfer.broadcast.control.ModelReleaseSerializer;
import dev.edgeinfer.broadcast.signing.ReleaseSignatureException;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;

class MultiVariantReleaseTest {

    private static final KeyPair KEYS = ReleaseSigning.generateKeyPair();
    private static final TrustedKeys TRUSTED = TrustedKeys.of(KEYS.getPublic());

    private static ModelRelease multiVariant() {
        ModelRelease single = release("frames", "v3", 5_000).build();
        ModelVariant fp32 = new ModelVariant("fp32", single.sha256(), single.uri(), single.sizeBytes(), List.of(),
                ModelVariant.CPU, 1.0);
        ModelVariant int8 = new ModelVariant("int8", sha("int8"), "file:///models/frames-v3-int8.onnx", 400,
                List.of("avx_vnni", "avx512_vnni", "asimddp"), ModelVariant.CPU, 0.995);
        ModelVariant pruned = new ModelVariant("pruned-50", sha("pruned"), "file:///models/frames-v3-pruned-50.onnx",
                600, List.of(), ModelVariant.CPU, 0.73);
        return single.toBuilder().variants(List.of(fp32, int8, pruned)).build();
    }

    @Test
    void aMultiVariantReleaseRoundTripsThroughJsonAndTheStateSerializer() throws Exception {
        ModelRelease r = ReleaseSigning.sign(multiVariant(), KEYS.getPrivate(), ReleaseSigning.keyId(KEYS.getPublic()));

        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(r))).isEqualTo(r);
        DataOutputSerializer out = new DataOutputSerializer(512);
        ModelReleaseSerializer.INSTANCE.serialize(r, out);
        ModelRelease back = ModelReleaseSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(r);
        assertThat(back.variants().get(1).cpuFlagsAnyOf()).containsExactly("asimddp", "avx512_vnni", "avx_vnni");
        ReleaseSigning.verify(back, TRUSTED);
    }

    @Test
    void aTamperedVariantFailsTheSignatureOfTheWholeRelease() {
        ModelRelease signed =
                ReleaseSigning.sign(multiVariant(), KEYS.getPrivate(), ReleaseSigning.keyId(KEYS.getPublic()));
        List<ModelVariant> variants = new java.util.ArrayList<>(signed.variants());
        ModelVariant int8 = variants.get(1);
        variants.set(1, new ModelVariant(int8.kind(), sha("evil"), int8.uri(), int8.sizeBytes(), int8.cpuFlagsAnyOf(),
                int8.executionProvider(), int8.fidelity()));
        ModelRelease tampered = signed.toBuilder().variants(variants).build();
        ModelRelease inflated = signed.toBuilder().variants(List.of(variants.get(0), new ModelVariant(int8.kind(),
                int8.sha256(), int8.uri(), int8.sizeBytes(), int8.cpuFlagsAnyOf(), int8.executionProvider(), 1.0)))
                .build();

        for (ModelRelease bad : List.of(tampered, inflated)) {
            assertThatThrownBy(() -> ReleaseSigning.verify(bad, TRUSTED))
                    .isInstanceOfSatisfying(ReleaseSignatureException.class,
                            e -> assertThat(e.reason()).isEqualTo(ReleaseSignatureException.Reason.BAD_SIGNATURE));
        }
    }

    @Test
    void variantsChangeTheCanonicalFormWhileSingleFileReleasesKeepTheirs() {
        ModelRelease single = release("frames", "v3", 5_000).build();
        assertThat(new String(ReleaseSigning.canonicalBytes(single), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX);
        assertThat(new String(ReleaseSigning.canonicalBytes(multiVariant()), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX_V3);
        // A signature over the single file does not carry over to the same release with variants added.
        ModelRelease signedSingle = ReleaseSigning.sign(single, KEYS.getPrivate(), ReleaseSigning.keyId(KEYS.getPublic()));
        ModelRelease grafted = signedSingle.toBuilder().variants(multiVariant().variants()).build();
        assertThatThrownBy(() -> ReleaseSigning.verify(grafted, TRUSTED)).isInstanceOf(ReleaseSignatureException.class);
    }

    @Test
    void aReleaseWrittenBeforeVariantsExistedReadsAsASingleFileRelease() {
        String legacy = "{\"schema\":1,\"type\":\"release\",\"model\":\"m\",\"version\":\"v1\",\"sha256\":\""
                + sha("x") + "\",\"uri\":\"file:///m.onnx\",\"sizeBytes\":10,\"signature\":{\"inputs\":[{\"name\":\"f\","
                + "\"shape\":[-1,4]}],\"outputs\":[{\"name\":\"s\",\"shape\":[-1,1]}]},\"activateAt\":0,"
                + "\"canaryPercent\":100,\"publisher\":\"p\",\"publishedAt\":1}";

        ModelRelease r = ModelReleaseJson.fromJson(legacy.getBytes(StandardCharsets.UTF_8));

        assertThat(r.variants()).isEmpty();
        assertThat(r.candidates()).singleElement().satisfies(v -> {
            assertThat(v.sha256()).isEqualTo(r.sha256());
            assertThat(v.kind()).isEqualTo(ModelVariant.REFERENCE_KIND);
        });
        assertThat(new String(ModelReleaseJson.toJson(r), StandardCharsets.UTF_8)).doesNotContain("variants");
    }

    @Test
    void variantsMustIncludeTheReleasesOwnFileAndBeDistinct() {
        ModelRelease r = multiVariant();
        List<ModelVariant> withoutReference = r.variants().subList(1, 3);
        assertThatThrownBy(() -> r.toBuilder().variants(withoutReference).build())
                .isInstanceOfSatisfying(InvalidReleaseException.class, e -> assertThat(e.field()).isEqualTo("variants"));
        List<ModelVariant> twice = List.of(r.variants().get(0), r.variants().get(1), r.variants().get(1));
        assertThatThrownBy(() -> r.toBuilder().variants(twice).build())
                .isInstanceOfSatisfying(InvalidReleaseException.class, e -> assertThat(e.field()).isEqualTo("variants.kind"));
        assertThatThrownBy(() -> new ModelVariant("int8", sha("a"), "file:///a", 1, List.of("AVX2"), "cpu", 0.9))
                .isInstanceOfSatisfying(InvalidReleaseException.class,
                        e -> assertThat(e.offendingValue()).isEqualTo("AVX2"));
        assertThatThrownBy(() -> new ModelVariant("int8", sha("a"), "file:///a", 1, List.of(), "cpu", 1.5))
                .isInstanceOf(InvalidReleaseException.class);
    }

    @Test
    void aBadVariantInJsonIsRefusedNamingItsPath() {
        String json = new String(ModelReleaseJson.toJson(multiVariant()), StandardCharsets.UTF_8)
                .replace("\"fidelity\":0.73", "\"fidelity\":\"high\"");

        assertThatThrownBy(() -> ModelReleaseJson.fromJson(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidReleaseException.class,
                        e -> assertThat(e.field()).isEqualTo("variants[2].fidelity"));
    }

    @Test
    void aChosenVariantIsTheSameVersionWithTheVariantsBytes() {
        ModelRelease r = multiVariant();
        ModelVariant int8 = r.variants().get(1);

        ModelRelease chosen = r.forVariant(int8);

        assertThat(chosen.modelId()).isEqualTo(ModelId.of("frames", "v3", int8.sha256()));
        assertThat(chosen.uri()).isEqualTo(int8.uri());
        assertThat(chosen.hasVariants()).isFalse();
        assertThat(chosen.isSigned()).isFalse();
    }

    @Test
    void aReleaseWithVariantsAndTargetsIsSchemaTwoAndSignedOnceOverBoth() throws Exception {
        ReleaseTarget wave1 = ReleaseTarget.of(List.of("plant-1"), List.of("wave=1"));
        ModelRelease both = ReleaseSigning.sign(multiVariant().toBuilder().targets(wave1).build(), KEYS.getPrivate(),
                ReleaseSigning.keyId(KEYS.getPublic()));

        String json = new String(ModelReleaseJson.toJson(both), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"schema\":2,").contains("\"variants\":[").contains("\"targets\":{");
        assertThat(new String(ModelReleaseJson.toJson(multiVariant()), StandardCharsets.UTF_8))
                .as("variants alone: an older reader serves the reference file").startsWith("{\"schema\":1,");
        assertThat(ModelReleaseJson.fromJson(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(both);
        DataOutputSerializer out = new DataOutputSerializer(512);
        ModelReleaseSerializer.INSTANCE.serialize(both, out);
        ModelRelease back = ModelReleaseSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(both);
        ReleaseSigning.verify(back, TRUSTED);
        // The id names the targets, never the variants.
        assertThat(both.releaseId()).isEqualTo(release("frames", "v3", 5_000).build().toBuilder().targets(wave1).build()
                .releaseId());
        assertThat(new String(ReleaseSigning.canonicalBytes(both), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX_V3);
        // One canonical form covers both: dropping or changing either fails the signature.
        ModelRelease noTargets = both.toBuilder().targets(ReleaseTarget.ALL).build();
        ModelRelease noVariants = both.toBuilder().variants(List.of()).build();
        ModelRelease widened = both.toBuilder().targets(ReleaseTarget.of(List.of("plant-1", "plant-2"), List.of("wave=1")))
                .build();
        ModelRelease fewer = both.toBuilder().variants(both.variants().subList(0, 2)).build();
        for (ModelRelease bad : List.of(noTargets, noVariants, widened, fewer)) {
            assertThat(ReleaseSigning.isValid(bad, TRUSTED)).as(bad.toString()).isFalse();
        }
        // The chosen variant keeps the release's targets.
        assertThat(both.forVariant(both.variants().get(1)).targets()).isEqualTo(wave1);
    }
}
