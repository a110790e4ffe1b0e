package dev.edgeinfer.broadcast.release;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.signing.TrustedKeys;
import dev.edgeinfer.broadcast.timeline.ReleaseTimeline;

import java.io.Serializable;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One activation of one model version: "from event time {@code activateAt} on, score
 * {@code canaryPercent}% of the keys of model {@code model} with {@code version} (bytes at
 * {@code uri}, sha256 {@code sha256})". Immutable and validated on construction.
 *
 * <p>Rollback is simply a new release of an older version at a later {@code activateAt}; a canary
 * is a release with {@code canaryPercent < 100}. How releases combine into the version that
 * scores a given record is defined by {@link ReleaseTimeline}.
 *
 * <pre>{@code
 * ModelRelease r = ModelRelease.builder()
 *         .model("sensor-anomaly").version("v2").sha256(Sha256.of(bytes))
 *         .uri("file:///models/sensor-anomaly-v2.onnx").sizeBytes(bytes.length)
 *         .signature(ModelSignature.declared(List.of(TensorSpec.of("features", -1, 32)),
 *                                        List.of(TensorSpec.of("score", -1, 1))))
 *         .activateAt(now + 10_000).canaryPercent(100)
 *         .publisher("alice@ml-team").publishedAt(now)
 *         .build();
 * producer.send(new ProducerRecord<>("edge.models.control", r.releaseId(), ModelReleaseJson.toJson(r)));
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Every instance has passed validation: names and versions are
 * non-blank and contain no {@code '@'} or whitespace (so {@link #releaseId()} is unambiguous),
 * {@code sha256} is 64 lower-case hex characters, {@code uri} is an absolute URI (its scheme is
 * checked later, by the fetcher), {@code sizeBytes > 0}, {@code activateAt >= 0},
 * {@code publishedAt >= 0} and {@code 1 <= canaryPercent <= 100}. Construction errors are
 * {@link InvalidReleaseException}s naming the field and the value. Two releases with the same
 * {@link #releaseId()} are the same activation; if they differ in other fields (a re-publish),
 * {@link ReleaseTimeline} keeps exactly one of them, chosen deterministically.
 *
 * <p><b>Signatures.</b> {@code signedBy} and {@code signatureBase64} are either both {@code null}
 * (unsigned) or both set: a 16-hex-character key id and the canonical base64 of a 64-byte Ed25519
 * signature over {@link ReleaseSigning#canonicalBytes(ModelRelease)}. Construction only checks
 * their <em>form</em>; whether the signature is valid and the key trusted is decided by
 * {@link ReleaseSigning#verify(ModelRelease, TrustedKeys)}. The signature is not part of
 * {@link #releaseId()}. {@link #toBuilder()} copies the signature too, so a derived release (e.g.
 * a rollback with a new {@code activateAt}) carries a signature that no longer verifies until it
 * is signed again ({@link Builder#unsigned()} drops it).
 *
 * @param model the model's name, e.g. {@code sensor-anomaly}
 * @param version the version label, e.g. {@code v2}
 * @param sha256 lower-case hex sha256 of the model file's bytes
 * @param uri where to fetch the bytes, e.g. {@code file:///models/x.onnx}
 * @param sizeBytes the file's size in bytes ({@code > 0}); lets fetchers refuse oversize or truncated bytes early
 * @param signature the declared input/output signature
 * @param activateAt event time (epoch ms) from which this activation applies
 * @param canaryPercent share of keys (1..100) this activation takes; 100 = full activation
 * @param publisher who published it (free text, for audit)
 * @param publishedAt wall-clock time (epoch ms) of publication; also a tie-breaker, see {@link #ORDER}
 * @param signedBy id of the Ed25519 key that signed this release ({@link ReleaseSigning#keyId}), or {@code null} when unsigned
 * @param signatureBase64 the Ed25519 signature (standard base64, 64 bytes), or {@code null} when unsigned
 * @param metadata free-form, signed facts about the model that its consumers need, e.g. an image
 *     classifier's {@code image.mean}, {@code image.std} and {@code labels}; never {@code null}
 *     (empty when there are none), kept sorted by key; at most {@value #MAX_METADATA_ENTRIES}
 *     entries, keys 1..200 characters without whitespace or control characters, values at most
 *     {@value #MAX_METADATA_VALUE_CHARS} characters. Covered by the signature (see
 *     {@link ReleaseSigning#canonicalBytes}); not part of {@link #releaseId()}.
 * @param variants the files of this version to choose from per site ({@link ModelVariant}: fp32,
 *     int8, pruned, ...), or empty for a single-file release; never {@code null}. When present, one
 *     of them is the release's own {@code sha256}/{@code uri}/{@code sizeBytes} file (the
 *     reference, which readers unaware of variants serve). Signed with the release; not part of
 *     {@link #releaseId()}.
 * @param targets the sites it applies to; {@link ReleaseTarget#ALL} (never {@code null}) for every
 *     site. Signed, and part of {@link #releaseId()} when not {@code ALL}. How targets combine with
 *     the timeline: {@link ReleaseTimeline#resolve(String, long, String, dev.edgeinfer.broadcast.timeline.SiteIdentity)}.
 * @param shadow {@code true} for a shadow activation: from {@code activateAt} on (until the next
 *     serving activation of the model at the site) its version scores the records of its
 *     {@code canaryPercent}% of keys <em>beside</em> the serving version, whose result alone is
 *     emitted; it never serves ({@link ReleaseTimeline#resolveShadow}). Signed, written in JSON
 *     schema {@value ModelReleaseJson#SCHEMA_SHADOW} (which older builds refuse rather than serve
 *     it), and part of {@link #releaseId()}.
 */
public record ModelRelease(
        String model,
        String version,
        String sha256,
        String uri,
        long sizeBytes,
        ModelSignature signature,
        long activateAt,
        int canaryPercent,
        String publisher,
        long publishedAt,
        String signedBy,
        String signatureBase64,
        Map<String, String> metadata,
        List<ModelVariant> variants,
        ReleaseTarget targets,
        boolean shadow)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Most metadata entries a release may carry. */
    public static final int MAX_METADATA_ENTRIES = 64;
    /** Longest metadata value, in characters. */
    public static final int MAX_METADATA_VALUE_CHARS = 16_384;

    /**
     * The total order of activations of one model: by {@code activateAt}, then {@code publishedAt},
     * then {@code version}, then {@code sha256}, then {@link #releaseId()} (which differs only in
     * the targets then, so a release scoped to some sites wins over the same one for every site);
     * of two activations at the same {@code activateAt} the <em>later</em> in this order wins.
     * (Releases of different models are ordered by model name first, so the order is total over
     * any set of distinct releases.)
     */
    public static final Comparator<ModelRelease> ORDER =
            Comparator.comparing(ModelRelease::model)
                    .thenComparingLong(ModelRelease::activateAt)
                    .thenComparingLong(ModelRelease::publishedAt)
                    .thenComparing(ModelRelease::version)
                    .thenComparing(ModelRelease::sha256)
                    .thenComparing(ModelRelease::releaseId);

    public ModelRelease {
        ReleaseChecks.requireLabel("model", model);
        ReleaseChecks.requireLabel("version", version);
        ReleaseChecks.requireSha256("sha256", sha256);
        ReleaseChecks.requireAbsoluteUri("uri", uri);
        if (sizeBytes <= 0) {
            throw InvalidReleaseException.invalid("sizeBytes", sizeBytes, "must be > 0");
        }
        if (signature == null) {
            throw InvalidReleaseException.missing("signature");
        }
        signature.requireDeclared();
        if (activateAt < 0) {
            throw InvalidReleaseException.invalid("activateAt", activateAt, "must be an epoch-ms event time >= 0");
        }
        if (canaryPercent < 1 || canaryPercent > 100) {
            throw InvalidReleaseException.invalid("canaryPercent", canaryPercent, "must be in 1..100 (100 = full activation)");
        }
        if (publisher == null) {
            throw InvalidReleaseException.missing("publisher");
        }
        if (publisher.isBlank()) {
            throw InvalidReleaseException.invalid("publisher", publisher, "must not be blank");
        }
        if (publishedAt < 0) {
            throw InvalidReleaseException.invalid("publishedAt", publishedAt, "must be epoch ms >= 0");
        }
        ReleaseChecks.checkSigning(signedBy, signatureBase64);
        metadata = ReleaseChecks.checkMetadata(metadata);
        variants = ReleaseChecks.checkVariants(variants, sha256, uri, sizeBytes);
        targets = targets == null ? ReleaseTarget.ALL : targets;
    }

    /** A serving (not shadow) release: the canonical constructor with {@code shadow = false}. */
    public ModelRelease(String model, String version, String sha256, String uri, long sizeBytes,
            ModelSignature signature, long activateAt, int canaryPercent, String publisher, long publishedAt,
            String signedBy, String signatureBase64, Map<String, String> metadata, List<ModelVariant> variants,
            ReleaseTarget targets) {
        this(model, version, sha256, uri, sizeBytes, signature, activateAt, canaryPercent, publisher, publishedAt,
                signedBy, signatureBase64, metadata, variants, targets, false);
    }

    /**
     * A single-file release for every site (the form every release had before variants and
     * targets existed); same as the canonical constructor with no {@code variants} and
     * {@link ReleaseTarget#ALL}.
     */
    public ModelRelease(String model, String version, String sha256, String uri, long sizeBytes,
            ModelSignature signature, long activateAt, int canaryPercent, String publisher, long publishedAt,
            String signedBy, String signatureBase64, Map<String, String> metadata) {
        this(model, version, sha256, uri, sizeBytes, signature, activateAt, canaryPercent, publisher, publishedAt,
                signedBy, signatureBase64, metadata, List.of(), ReleaseTarget.ALL);
    }

    /**
     * A release without metadata (the form every release had before metadata existed); same as
     * the canonical constructor with an empty {@code metadata}.
     */
    public ModelRelease(String model, String version, String sha256, String uri, long sizeBytes,
            ModelSignature signature, long activateAt, int canaryPercent, String publisher, long publishedAt,
            String signedBy, String signatureBase64) {
        this(model, version, sha256, uri, sizeBytes, signature, activateAt, canaryPercent, publisher, publishedAt,
                signedBy, signatureBase64, Map.of());
    }

    /**
     * An unsigned release (the form every release had before signing existed); same as the
     * canonical constructor with {@code signedBy = signatureBase64 = null}.
     */
    public ModelRelease(String model, String version, String sha256, String uri, long sizeBytes,
            ModelSignature signature, long activateAt, int canaryPercent, String publisher, long publishedAt) {
        this(model, version, sha256, uri, sizeBytes, signature, activateAt, canaryPercent, publisher, publishedAt,
                null, null, Map.of());
    }

    /** {@code true} when the release carries a signature (not yet saying it is valid or trusted). */
    public boolean isSigned() {
        return signedBy != null;
    }

    /** This release with the given signature (replacing any); see {@link ReleaseSigning#sign}. */
    public ModelRelease withSignature(String keyId, String signatureBase64) {
        return toBuilder().signedBy(keyId).signatureBase64(signatureBase64).build();
    }

    /** This release without a signature. */
    public ModelRelease unsigned() {
        return isSigned() ? toBuilder().unsigned().build() : this;
    }

    /** Whether this release carries {@link #variants()} to choose from. */
    public boolean hasVariants() {
        return !variants.isEmpty();
    }

    /** The files a site may choose from: {@link #variants()}, or the single file as the only one. */
    public List<ModelVariant> candidates() {
        return hasVariants() ? variants : List.of(ModelVariant.referenceOf(this));
    }

    /**
     * This release as the single file {@code variant} (its sha256, URI and size; no variants,
     * unsigned): what a site fetches, verifies and loads once it chose that variant, and whose
     * {@link #modelId()} its results carry. Not a release to publish.
     */
    public ModelRelease forVariant(ModelVariant variant) {
        return toBuilder().unsigned().sha256(variant.sha256()).uri(variant.uri()).sizeBytes(variant.sizeBytes())
                .variants(List.of()).build();
    }

    /** The model identity (name, version, sha256) that results scored by this release carry. */
    public ModelId modelId() {
        return ModelId.of(model, version, sha256);
    }

    /**
     * A deterministic, human-readable id: {@code model@activateAt@version@sha256[0..12]}, e.g.
     * {@code sensor-anomaly@1767225600000@v2@3f2a9c0b1d4e}. It is the control-topic record key and
     * the broadcast-state key. Because it includes {@code activateAt}, a rollback to an older
     * version (new {@code activateAt}) is a new id, and compaction keeps every activation. A
     * release scoped to some sites ends in {@code @} and its {@link ReleaseTarget#digest()}, so
     * the same version at the same time for other sites is another activation. A shadow
     * activation ends in {@code @shadow}, so it never replaces the serving activation of the same
     * version at the same time (on the compacted topic or in a timeline).
     */
    public String releaseId() {
        String id = model + "@" + activateAt + "@" + version + "@" + sha256.substring(0, 12);
        id = targets.isAll() ? id : id + "@" + targets.digest();
        return shadow ? id + SHADOW_ID_SUFFIX : id;
    }

    /** How a shadow activation's {@link #releaseId()} ends. */
    public static final String SHADOW_ID_SUFFIX = "@shadow";

    /**
     * Whether {@code releaseId} names a shadow activation — for readers that hold only the id,
     * such as a heartbeat's; null (no release) is not.
     */
    public static boolean isShadowId(String releaseId) {
        return releaseId != null && releaseId.endsWith(SHADOW_ID_SUFFIX);
    }

    /** {@code true} when this activation takes only part of the keys ({@code canaryPercent < 100}). */
    public boolean isCanary() {
        return canaryPercent < 100;
    }

    /** {@code activateAt} as an ISO-8601 instant, e.g. {@code 2026-01-01T00:00:00Z}. */
    public String activateAtIso() {
        return Instant.ofEpochMilli(activateAt).toString();
    }

    @Override
    public String toString() {
        return "ModelRelease[" + releaseId() + (shadow ? " shadow" : "")
                + (isCanary() ? " canary " + canaryPercent + "%" : "")
                + (targets.isAll() ? "" : " for " + targets)
                + " " + uri + " by " + publisher + (isSigned() ? " signed by " + signedBy : "") + "]";
    }

    /** A builder starting from {@code canaryPercent = 100}; every other field must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this release, e.g. to derive a rollback: {@code r.toBuilder().activateAt(t).build()}. */
    public Builder toBuilder() {
        return new Builder()
                .model(model).version(version).sha256(sha256).uri(uri).sizeBytes(sizeBytes)
                .signature(signature).activateAt(activateAt).canaryPercent(canaryPercent)
                .publisher(publisher).publishedAt(publishedAt)
                .signedBy(signedBy).signatureBase64(signatureBase64)
                .metadata(metadata)
                .variants(variants)
                .targets(targets)
                .shadow(shadow);
    }

    /** The metadata value for {@code key}, or {@code null}. */
    public String metadata(String key) {
        return metadata.get(key);
    }

    /** Mutable builder for {@link ModelRelease}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private String model;
        private String version;
        private String sha256;
        private String uri;
        private long sizeBytes;
        private ModelSignature signature;
        private long activateAt;
        private int canaryPercent = 100;
        private String publisher;
        private long publishedAt;
        private String signedBy;
        private String signatureBase64;
        private final TreeMap<String, String> metadata = new TreeMap<>();
        private List<ModelVariant> variants = List.of();
        private ReleaseTarget targets = ReleaseTarget.ALL;
        private boolean shadow;

        private Builder() {}

        public Builder model(String model) { this.model = model; return this; }
        public Builder version(String version) { this.version = version; return this; }
        public Builder sha256(String sha256) { this.sha256 = sha256; return this; }
        public Builder uri(String uri) { this.uri = uri; return this; }
        public Builder sizeBytes(long sizeBytes) { this.sizeBytes = sizeBytes; return this; }
        public Builder signature(ModelSignature signature) { this.signature = signature; return this; }
        public Builder activateAt(long activateAt) { this.activateAt = activateAt; return this; }
        public Builder canaryPercent(int canaryPercent) { this.canaryPercent = canaryPercent; return this; }
        public Builder publisher(String publisher) { this.publisher = publisher; return this; }
        public Builder publishedAt(long publishedAt) { this.publishedAt = publishedAt; return this; }
        public Builder signedBy(String keyId) { this.signedBy = keyId; return this; }
        public Builder signatureBase64(String signatureBase64) { this.signatureBase64 = signatureBase64; return this; }
        /** Replaces all metadata with {@code metadata} (null or empty: none). */
        public Builder metadata(Map<String, String> metadata) {
            this.metadata.clear();
            if (metadata != null) {
                this.metadata.putAll(metadata);
            }
            return this;
        }
        /** Adds or replaces one metadata entry. */
        public Builder putMetadata(String key, String value) { this.metadata.put(key, value); return this; }
        /** The files to choose from per site (one must be this release's own file); null or empty: none. */
        public Builder variants(List<ModelVariant> variants) { this.variants = variants == null ? List.of() : variants; return this; }
        /** The sites it applies to ({@link ReleaseTarget#ALL}, the default: every site). */
        public Builder targets(ReleaseTarget targets) { this.targets = targets; return this; }
        /** A shadow activation (scores beside the serving version, never serves); default {@code false}. */
        public Builder shadow(boolean shadow) { this.shadow = shadow; return this; }
        /** Drops the signature (e.g. before changing fields and signing again). */
        public Builder unsigned() { this.signedBy = null; this.signatureBase64 = null; return this; }

        /** @throws InvalidReleaseException if any field is missing or invalid */
        public ModelRelease build() {
            return new ModelRelease(model, version, sha256, uri, sizeBytes, signature,
                    activateAt, canaryPercent, publisher, publishedAt, signedBy, signatureBase64, metadata, variants,
                    targets, shadow);
        }
    }
}
