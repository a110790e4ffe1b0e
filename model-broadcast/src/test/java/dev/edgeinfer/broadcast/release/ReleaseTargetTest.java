package dev.edgeinfer.broadcast.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException.Reason;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;

class ReleaseTargetTest {

    private static final ReleaseTarget WAVE_1 = ReleaseTarget.of(List.of("plant-2", "plant-1"), List.of("wave=1"));
    private final ModelRelease everywhere = Releases.full("sensor-anomaly", "v2", 5_000);
    private final ModelRelease scoped = everywhere.toBuilder().targets(WAVE_1).build();

    private static String json(ModelRelease r) {
        return new String(ModelReleaseJson.toJson(r), StandardCharsets.UTF_8);
    }

    private static InvalidReleaseException rejection(String json) {
        return catchThrowableOfType(
                InvalidReleaseException.class, () -> ModelReleaseJson.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aSiteIsTargetedByItsIdOrAnyOfItsLabelsAndAReleaseWithoutTargetsTargetsEverySite() {
        assertThat(WAVE_1.matches("plant-1", Map.of())).isTrue();
        assertThat(WAVE_1.matches("plant-7", Map.of("region", "north", "wave", "1"))).isTrue();
        assertThat(WAVE_1.matches("plant-7", Map.of("wave", "2"))).isFalse();
        assertThat(ReleaseTarget.ALL.matches("anywhere", Map.of())).isTrue();
        assertThat(WAVE_1.sites()).containsExactly("plant-1", "plant-2");
        assertThat(ReleaseTarget.of(List.of("plant-1", "plant-2", "plant-1"), List.of("wave=1"))).isEqualTo(WAVE_1);
    }

    @Test
    void malformedSitesAndLabelsAreRefusedNamingTheValue() {
        InvalidReleaseException label = catchThrowableOfType(InvalidReleaseException.class,
                () -> ReleaseTarget.of(List.of(), List.of("wave")));
        assertThat(label.field()).isEqualTo("targets.labels");
        assertThat(label.offendingValue()).isEqualTo("wave");
        InvalidReleaseException site = catchThrowableOfType(InvalidReleaseException.class,
                () -> ReleaseTarget.of(List.of("plant 1"), List.of()));
        assertThat(site.offendingValue()).isEqualTo("plant 1");
    }

    @Test
    void aScopedReleaseIsAnotherActivationThanTheSameVersionAtTheSameTimeForEverySite() {
        assertThat(scoped.releaseId()).startsWith(everywhere.releaseId() + "@").hasSize(everywhere.releaseId().length() + 9);
        ModelRelease otherWave = everywhere.toBuilder().targets(ReleaseTarget.of(List.of(), List.of("wave=2"))).build();
        assertThat(otherWave.releaseId()).isNotEqualTo(scoped.releaseId());
        assertThat(scoped.toString()).contains("plant-1");
    }

    @Test
    void aReleaseForEverySiteIsWrittenInSchemaOneExactlyAsBeforeAndAScopedOneInSchemaTwo() {
        assertThat(json(everywhere)).startsWith("{\"schema\":1,").doesNotContain("targets");
        assertThat(json(scoped)).startsWith("{\"schema\":2,")
                .contains("\"targets\":{\"sites\":[\"plant-1\",\"plant-2\"],\"labels\":[\"wave=1\"]}");
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(scoped))).isEqualTo(scoped);
        assertThat(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(everywhere))).isEqualTo(everywhere);
    }

    @Test
    void targetsInSchemaOneOrASchemaTwoWithoutTargetsAreRefusedRatherThanAppliedEverywhere() {
        String scopedJson = json(scoped);
        InvalidReleaseException downgraded = rejection(scopedJson.replace("\"schema\":2", "\"schema\":1"));
        assertThat(downgraded.field()).isEqualTo("targets");
        assertThat(downgraded).hasMessageContaining("every site");
        InvalidReleaseException bare = rejection(json(everywhere).replace("\"schema\":1", "\"schema\":2"));
        assertThat(bare.reason()).isEqualTo(Reason.MISSING_FIELD);
        InvalidReleaseException empty =
                rejection(scopedJson.replaceAll("\"targets\":\\{.*\\}\\}", "\"targets\":{\"sites\":[]}}"));
        assertThat(empty.field()).isEqualTo("targets");
        InvalidReleaseException future = rejection(scopedJson.replace("\"schema\":2", "\"schema\":4"));
        assertThat(future.reason()).isEqualTo(Reason.UNSUPPORTED_SCHEMA);
        assertThat(future).hasMessageContaining("1 to 3");
    }

    @Test
    void theSignatureCoversTheTargetsAndAReleaseForEverySiteKeepsItsEarlierCanonicalForm() {
        KeyPair keys = ReleaseSigning.generateKeyPair();
        TrustedKeys trusted = TrustedKeys.of(keys.getPublic());
        ModelRelease signed = ReleaseSigning.sign(scoped, keys);
        assertThat(ReleaseSigning.isValid(signed, trusted)).isTrue();
        assertThat(ReleaseSigning.isValid(ModelReleaseJson.fromJson(ModelReleaseJson.toJson(signed)), trusted)).isTrue();
        ModelRelease widened = signed.toBuilder().targets(ReleaseTarget.of(List.of("plant-1", "plant-2", "plant-3"),
                List.of("wave=1"))).build();
        assertThat(ReleaseSigning.isValid(widened, trusted)).isFalse();
        ModelRelease unscoped = signed.toBuilder().targets(ReleaseTarget.ALL).build();
        assertThat(ReleaseSigning.isValid(unscoped, trusted)).as("dropping the targets").isFalse();
        assertThat(new String(ReleaseSigning.canonicalBytes(scoped), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX_V3);
        assertThat(new String(ReleaseSigning.canonicalBytes(everywhere), StandardCharsets.US_ASCII))
                .startsWith(ReleaseSigning.CANONICAL_PREFIX);
    }
}
