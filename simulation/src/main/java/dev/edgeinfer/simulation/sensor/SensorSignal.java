package dev.edgeinfer.simulation.sensor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A deterministic, seeded signal generator for one simulated multi-channel sensor device, with
 * labelled anomaly episodes.
 *
 * <p>Each channel is {@code baseline + amplitude * sin(2 pi t / period + phase) + noise}, with its
 * own baseline, slow period, amplitude (1-3 noise sigmas) and gaussian noise sigma, all drawn from
 * the seed. {@code java.util.Random} is used on purpose: its algorithm (including
 * {@code nextGaussian}) is fixed by its specification, so a seed gives the same readings on every
 * JVM, and the model factory's ONNX files stay byte-reproducible.
 *
 * <p>Anomalies come as episodes on one randomly chosen channel; every reading of an episode is
 * labelled with its {@link AnomalyKind}, except as noted for drift:
 *
 * <ul>
 *   <li>{@link AnomalyKind#SPIKE}: one reading whose channel jumps by {@value #SPIKE_MIN_SIGMAS} to
 *       {@value #SPIKE_MAX_SIGMAS} sigma, up or down.
 *   <li>{@link AnomalyKind#DRIFT}: the channel ramps away linearly over {@value #EPISODE_MIN_LENGTH}
 *       to {@value #EPISODE_MAX_LENGTH} readings to a final offset of {@value #DRIFT_MIN_SIGMAS} to
 *       {@value #DRIFT_MAX_SIGMAS} sigma, then snaps back (as after a recalibration). Ramp readings
 *       are labelled only once the offset has reached {@value #DRIFT_LABEL_SIGMAS} sigma: the first
 *       ramp readings are indistinguishable from noise, and labelling them would make the window
 *       labels claim anomalies that no detector could see.
 *   <li>{@link AnomalyKind#FLATLINE}: the channel is stuck, repeating the value it last reported,
 *       for {@value #EPISODE_MIN_LENGTH} to {@value #EPISODE_MAX_LENGTH} readings.
 * </ul>
 *
 * <p>{@code anomalyRate} is the probability that a reading starts a new episode, given that no
 * episode is in progress and the previous reading did not end one (episodes never overlap or
 * touch, so each stays a separate, countable event). The first reading never starts one. The
 * kind is drawn uniformly from the enabled kinds.
 *
 * <p>Not thread-safe; one instance per device.
 */
public final class SensorSignal {

    /** Shortest drift or flat-line episode, in readings. */
    public static final int EPISODE_MIN_LENGTH = 10;
    /** Longest drift or flat-line episode, in readings. */
    public static final int EPISODE_MAX_LENGTH = 20;
    /** Smallest spike, in noise sigmas. */
    public static final double SPIKE_MIN_SIGMAS = 8.0;
    /** Largest spike, in noise sigmas. */
    public static final double SPIKE_MAX_SIGMAS = 12.0;
    /** Smallest final drift offset, in noise sigmas. */
    public static final double DRIFT_MIN_SIGMAS = 12.0;
    /** Largest final drift offset, in noise sigmas. */
    public static final double DRIFT_MAX_SIGMAS = 20.0;
    /** Drift readings are labelled once the offset reaches this many noise sigmas. */
    public static final double DRIFT_LABEL_SIGMAS = 3.0;

    private final int channels;
    private final double anomalyRate;
    private final AnomalyKind[] kinds;
    private final Random random;

    private final double[] baseline;
    private final double[] amplitude;
    private final double[] period;
    private final double[] phase;
    private final double[] sigma;
    private final float[] last;

    private long position;
    private boolean justEnded;

    // The episode in progress: kind NONE when there is none.
    private AnomalyKind episodeKind = AnomalyKind.NONE;
    private int episodeChannel;
    private int episodeLength;
    private int episodeStep;
    private double episodeMagnitude;

    /**
     * @param channels values per reading, at least 1
     * @param seed determines the device's parameters, noise and anomalies
     * @param anomalyRate probability in [0, 1] that an eligible reading starts an episode
     * @param kinds the anomaly kinds to inject (not {@link AnomalyKind#NONE}); empty for none
     */
    public SensorSignal(int channels, long seed, double anomalyRate, Set<AnomalyKind> kinds) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
            throw new IllegalArgumentException("anomalyRate must be in [0, 1], got " + anomalyRate);
        }
        Objects.requireNonNull(kinds, "kinds");
        if (kinds.contains(AnomalyKind.NONE)) {
            throw new IllegalArgumentException("NONE is not an anomaly kind to inject");
        }
        this.channels = channels;
        this.anomalyRate = anomalyRate;
        // EnumSet iterates in declaration order, so the kind draw does not depend on the caller's set type.
        this.kinds = kinds.isEmpty()
                ? new AnomalyKind[0]
                : EnumSet.copyOf(kinds).toArray(new AnomalyKind[0]);
        this.random = new Random(seed);
        this.baseline = new double[channels];
        this.amplitude = new double[channels];
        this.period = new double[channels];
        this.phase = new double[channels];
        this.sigma = new double[channels];
        this.last = new float[channels];
        for (int c = 0; c < channels; c++) {
            sigma[c] = 0.45 + 0.1 * random.nextDouble();
            baseline[c] = 10 + 20 * random.nextDouble();
            amplitude[c] = sigma[c] * (1 + 2 * random.nextDouble());
            // Slow compared with a window, so a normal window shows little trend.
            period[c] = 80 + 160 * random.nextDouble();
            phase[c] = 2 * Math.PI * random.nextDouble();
        }
    }

    /**
     * A seed for device {@code device} of a fleet, well mixed so that neighbouring devices get
     * unrelated signals (SplitMix64's finaliser).
     */
    public static long deviceSeed(long fleetSeed, long device) {
        long z = fleetSeed + (device + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Number of channels per reading. */
    public int channels() {
        return channels;
    }

    /** Number of readings produced so far; the position of the next reading. */
    public long position() {
        return position;
    }

    /** Produces the next reading. */
    public SimulatedReading next() {
        if (episodeKind == AnomalyKind.NONE && !justEnded && position > 0 && kinds.length > 0
                && random.nextDouble() < anomalyRate) {
            startEpisode();
        }
        justEnded = false;

        float[] values = new float[channels];
        for (int c = 0; c < channels; c++) {
            double t = position;
            double v = baseline[c] + amplitude[c] * Math.sin(2 * Math.PI * t / period[c] + phase[c])
                    + sigma[c] * random.nextGaussian();
            values[c] = (float) v;
        }

        AnomalyKind label = AnomalyKind.NONE;
        if (episodeKind != AnomalyKind.NONE) {
            label = applyEpisode(values);
            episodeStep++;
            if (episodeStep >= episodeLength) {
                episodeKind = AnomalyKind.NONE;
                justEnded = true;
            }
        }
        System.arraycopy(values, 0, last, 0, channels);
        position++;
        return new SimulatedReading(values, label);
    }

    /** The next {@code n} readings. */
    public List<SimulatedReading> next(int n) {
        List<SimulatedReading> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    private void startEpisode() {
        episodeKind = kinds[random.nextInt(kinds.length)];
        episodeChannel = random.nextInt(channels);
        episodeStep = 0;
        double sign = random.nextBoolean() ? 1 : -1;
        switch (episodeKind) {
            case SPIKE -> {
                episodeLength = 1;
                episodeMagnitude = sign * uniform(SPIKE_MIN_SIGMAS, SPIKE_MAX_SIGMAS);
            }
            case DRIFT -> {
                episodeLength = EPISODE_MIN_LENGTH + random.nextInt(EPISODE_MAX_LENGTH - EPISODE_MIN_LENGTH + 1);
                episodeMagnitude = sign * uniform(DRIFT_MIN_SIGMAS, DRIFT_MAX_SIGMAS);
            }
            case FLATLINE -> {
                episodeLength = EPISODE_MIN_LENGTH + random.nextInt(EPISODE_MAX_LENGTH - EPISODE_MIN_LENGTH + 1);
                episodeMagnitude = 0;
            }
            default -> throw new IllegalStateException("not an anomaly kind: " + episodeKind);
        }
    }

    /** Applies the current episode to the normal values; returns the reading's label. */
    private AnomalyKind applyEpisode(float[] values) {
        int c = episodeChannel;
        switch (episodeKind) {
            case SPIKE -> {
                values[c] = (float) (values[c] + episodeMagnitude * sigma[c]);
                return AnomalyKind.SPIKE;
            }
            case DRIFT -> {
                double offsetSigmas = episodeMagnitude * (episodeStep + 1) / episodeLength;
                values[c] = (float) (values[c] + offsetSigmas * sigma[c]);
                return Math.abs(offsetSigmas) >= DRIFT_LABEL_SIGMAS ? AnomalyKind.DRIFT : AnomalyKind.NONE;
            }
            case FLATLINE -> {
                values[c] = last[c];
                return AnomalyKind.FLATLINE;
            }
            default -> throw new IllegalStateException("not an anomaly kind: " + episodeKind);
        }
    }

    private double uniform(double min, double max) {
        return min + (max - min) * random.nextDouble();
    }
}
