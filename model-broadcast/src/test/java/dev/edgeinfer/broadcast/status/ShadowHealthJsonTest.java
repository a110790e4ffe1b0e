package dev.edgeinfer.broadcast.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.testutils.Releases;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The {@code health.shadow} block of a shadow version's heartbeat. */
class ShadowHealthJsonTest {

    private final ModelRelease shadow = Releases.release("sensor-anomaly", "v3", 5_000).shadow(true).build();
    private final ShadowHealth comparison =
            new ShadowHealth("v2", 1_000, 640, 0.21, 0.97, List.of(100L, 50L, 200L, 400L, 250L), 12);

    private static String json(ModelStatus s) {
        return new String(ModelStatusJson.toJson(s), StandardCharsets.UTF_8);
    }

    @Test
    void aShadowHeartbeatRoundTripsItsComparisonWithTheServingVersion() {
        ModelStatus beat = ModelStatus.heartbeat(
                "plant-1", "j", 0, shadow, 1_000, ModelStatusJsonTest.health().withShadow(comparison), 3L);
        ModelStatus back = ModelStatusJson.fromJson(ModelStatusJson.toJson(beat));
        assertThat(back).isEqualTo(beat);
        assertThat(back.health().shadow().agreement()).isEqualTo(0.64);
        assertThat(json(beat)).contains("\"shadow\":{\"servingVersion\":\"v2\",\"compared\":1000,\"agreed\":640,"
                + "\"agreement\":0.64,\"meanAbsDelta\":0.21,\"maxAbsDelta\":0.97,"
                + "\"deltaBins\":[100,50,200,400,250],\"skipped\":12}");
        assertThat(back.releaseId()).endsWith("@shadow");
    }

    @Test
    void aServingHeartbeatHasNoShadowBlockAndReadsBackWithoutOne() {
        ModelStatus beat = ModelStatus.heartbeat("plant-1", "j", 0, shadow, 1_000, ModelStatusJsonTest.health(), 3L);
        assertThat(json(beat)).doesNotContain("\"shadow\"");
        assertThat(ModelStatusJson.fromJson(ModelStatusJson.toJson(beat)).health().shadow()).isNull();
    }

    @Test
    void aShadowWithNothingComparedHasNoAgreementAndStaysBounded() {
        ShadowHealth none = new ShadowHealth("v".repeat(5_000), 0, 0, null, null, List.of(0L, 0L, 0L, 0L, 0L), 7);
        assertThat(none.agreement()).isNaN();
        assertThat(none.servingVersion()).hasSize(ModelHealth.MAX_TEXT);
        ModelStatus beat = ModelStatus.heartbeat("s", "j", 0, shadow, 0,
                ModelStatusJsonTest.health().withShadow(none), 1L);
        assertThat(json(beat)).contains("\"agreement\":null");
        assertThat(ModelStatusJson.fromJson(ModelStatusJson.toJson(beat))).isEqualTo(beat);
        assertThat(ModelStatusJson.toJson(beat).length).isLessThan(2_048);
    }

    @Test
    void aMalformedShadowBlockIsRefusedNamingTheFieldAndTheValue() {
        String good = json(ModelStatus.heartbeat("s", "j", 0, shadow, 1,
                ModelStatusJsonTest.health().withShadow(comparison), 1L));
        InvalidReleaseException agreed = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(good.replace("\"agreed\":640", "\"agreed\":1640")
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(agreed.field()).isEqualTo("health.shadow.agreed");
        assertThat(agreed).hasMessageContaining("1640");
        InvalidReleaseException bins = catchThrowableOfType(InvalidReleaseException.class,
                () -> ModelStatusJson.fromJson(good.replace("\"deltaBins\":[100,", "\"deltaBins\":[")
                        .getBytes(StandardCharsets.UTF_8)));
        assertThat(bins.field()).isEqualTo("health.shadow.deltaBins");
        assertThatThrownBy(() -> new ShadowHealth(null, 1, 2, null, null, List.of(0L, 0L, 0L, 0L, 0L), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agreed=2");
    }

    @Test
    void deltasFallIntoTheirDocumentedBins() {
        assertThat(ShadowHealth.deltaBin(0)).isZero();
        assertThat(ShadowHealth.deltaBin(0.001)).isEqualTo(1);
        assertThat(ShadowHealth.deltaBin(0.05)).isEqualTo(2);
        assertThat(ShadowHealth.deltaBin(0.1)).isEqualTo(3);
        assertThat(ShadowHealth.deltaBin(0.5)).isEqualTo(4);
        assertThat(ShadowHealth.deltaBin(7)).isEqualTo(4);
    }
}
