package dev.edgeinfer.cli.bench;

/**
 * The open-loop send schedule: record {@code g} (0, 1, 2, ...) is due at
 * {@code start + g / rate}, whatever happened to the records before it, and goes to device
 * {@code g mod devices} as that device's record number {@code seq = g / devices}. Latency is
 * measured from this <em>intended</em> time, not from when the record was actually handed to
 * Kafka, so a stalled producer or pipeline shows up as latency (no coordinated omission).
 *
 * <p>The event time written into a record is its intended time in whole milliseconds. Because
 * one device's records are at least 1 ms apart ({@link #minDevices(double)}), a device's event
 * time identifies the record: {@link #seqOf(int, long)} inverts it, so outputs that carry only
 * the device and event time (a pass-through) can still be matched to their intended send time.
 *
 * <p>All times come from one clock: {@code System.nanoTime()} anchored once to the wall clock.
 *
 * @param startEpochMicros wall-clock time of record 0, epoch microseconds
 * @param startNanos {@code System.nanoTime()} at the same instant
 * @param ratePerSecond records per second across all devices
 * @param devices number of devices the records rotate over
 */
public record LoadSchedule(long startEpochMicros, long startNanos, double ratePerSecond, int devices) {

    public LoadSchedule {
        if (!(ratePerSecond > 0) || devices < 1) {
            throw new IllegalArgumentException("need rate > 0 and devices >= 1, got " + ratePerSecond + ", " + devices);
        }
        if (devices * 1_000.0 / ratePerSecond < 1.0) {
            throw new IllegalArgumentException("with " + devices + " devices at " + ratePerSecond
                    + " records/s a device sends more than one record per ms; use at least " + minDevices(ratePerSecond));
        }
    }

    /** A schedule starting now. */
    public static LoadSchedule startingNow(double ratePerSecond, int devices) {
        long nanos = System.nanoTime();
        long epochMicros = System.currentTimeMillis() * 1_000;
        return new LoadSchedule(epochMicros, nanos, ratePerSecond, devices);
    }

    /** Fewest devices that keep each device's records at least 1 ms apart at this rate. */
    public static int minDevices(double ratePerSecond) {
        return (int) Math.max(1, Math.ceil(ratePerSecond / 1_000.0));
    }

    /** Nanoseconds between consecutive records. */
    public double periodNanos() {
        return 1e9 / ratePerSecond;
    }

    /** {@code System.nanoTime()} at which record {@code g} is due. */
    public long dueNanos(long g) {
        return startNanos + Math.round(g * periodNanos());
    }

    /** The global index of device {@code device}'s record {@code seq}. */
    public long globalIndex(int device, long seq) {
        return seq * devices + device;
    }

    /** Intended send time of a device's record, epoch microseconds. */
    public long intendedEpochMicros(int device, long seq) {
        return startEpochMicros + Math.round(globalIndex(device, seq) * periodNanos() / 1_000.0);
    }

    /** The event time (epoch ms) written into a device's record: its intended time, whole ms. */
    public long eventTimeMs(int device, long seq) {
        return Math.floorDiv(intendedEpochMicros(device, seq), 1_000);
    }

    /** The device's record number whose event time is {@code eventTimeMs}, or -1 if none. */
    public long seqOf(int device, long eventTimeMs) {
        double g = (eventTimeMs * 1_000.0 - startEpochMicros) * 1_000.0 / periodNanos();
        long estimate = (long) Math.floor((g - device) / devices);
        for (long seq = Math.max(0, estimate - 1); seq <= estimate + 2; seq++) {
            if (eventTimeMs(device, seq) == eventTimeMs) {
                return seq;
            }
        }
        return -1;
    }

    /** The wall clock, epoch microseconds, read through this schedule's monotonic clock. */
    public long nowEpochMicros() {
        return epochMicrosAt(System.nanoTime());
    }

    /** The epoch microseconds of a {@code System.nanoTime()} reading. */
    public long epochMicrosAt(long nanoTime) {
        return startEpochMicros + (nanoTime - startNanos) / 1_000;
    }
}
