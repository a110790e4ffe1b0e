package dev.edgeinfer.testutils;

import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Sensor readings whose event times a test chooses reading by reading: shuffled within a device,
 * late, or exactly on a rollover boundary, produced in phases.
 *
 * <p>Each device's readings reach Kafka in the order they were added (one key, one partition),
 * and the job forms its sliding count windows in that arrival order, whatever the event times.
 * So the windows a device must produce, and each window's event time (the event time of its
 * last reading), follow from what was added here, independently of the code under test:
 * window {@code k} of a device ends with its reading number {@code k * slide + size - 1}.
 *
 * <p>Reading {@code seq} of device {@code d} nominally has event time
 * {@code base + seq * 100 + d * deviceOffsetMs}; {@link #addShuffled} permutes those times within
 * blocks, {@link #add} and {@link #closeWindowAt} place any event time.
 */
public final class TestingEventTimeReadings {

    /** Nominal spacing of one device's readings, in ms of event time. */
    public static final long STEP_MS = 100;

    private final int devices;
    private final int channels;
    private final int windowSize;
    private final int slide;
    private final long base;
    private final long deviceOffsetMs;
    private final Random random;
    private final List<List<Long>> eventTimes = new ArrayList<>();
    private final int[] nextSeq;
    private final int[] produced;

    public TestingEventTimeReadings(
            int devices, int channels, int windowSize, int slide, long base, long deviceOffsetMs, long seed) {
        this.devices = devices;
        this.channels = channels;
        this.windowSize = windowSize;
        this.slide = slide;
        this.base = base;
        this.deviceOffsetMs = deviceOffsetMs;
        this.random = new Random(seed);
        this.nextSeq = new int[devices];
        this.produced = new int[devices];
        for (int d = 0; d < devices; d++) {
            eventTimes.add(new ArrayList<>());
        }
    }

    public static String deviceId(int device) {
        return String.format("dev-%02d", device);
    }

    public int devices() {
        return devices;
    }

    /** Event time of reading {@code seq} of {@code device} before any shuffling. */
    public long nominalTs(int device, int seq) {
        return base + seq * STEP_MS + device * deviceOffsetMs;
    }

    /**
     * Appends readings {@code fromSeq .. toSeq-1} of {@code device} at their nominal event times,
     * shuffled within consecutive blocks of {@code shuffleBlock} readings (1: in order).
     */
    public void addShuffled(int device, int fromSeq, int toSeq, int shuffleBlock) {
        for (int start = fromSeq; start < toSeq; start += shuffleBlock) {
            List<Long> block = new ArrayList<>();
            for (int seq = start; seq < Math.min(toSeq, start + shuffleBlock); seq++) {
                block.add(nominalTs(device, seq));
            }
            Collections.shuffle(block, random);
            eventTimes.get(device).addAll(block);
        }
        nextSeq[device] = Math.max(nextSeq[device], toSeq);
    }

    /** As {@link #addShuffled}, continuing each device from the readings it already has up to {@code toSeq}. */
    public void continueShuffled(int device, int toSeq, int shuffleBlock) {
        addShuffled(device, nextSeq[device], toSeq, shuffleBlock);
    }

    /** As {@link #addShuffled} for every device. */
    public void addShuffledForAll(int fromSeq, int toSeq, int shuffleBlock) {
        for (int d = 0; d < devices; d++) {
            addShuffled(d, fromSeq, toSeq, shuffleBlock);
        }
    }

    /** Appends one reading of {@code device} with this event time. */
    public void add(int device, long eventTime) {
        eventTimes.get(device).add(eventTime);
    }

    /** Changes the event time of a reading not produced yet (e.g. to put a window end on a boundary). */
    public void set(int device, int position, long eventTime) {
        if (position < produced[device]) {
            throw new IllegalStateException("reading " + position + " of " + deviceId(device) + " was already produced");
        }
        eventTimes.get(device).set(position, eventTime);
    }

    /** The position (0-based, in production order) of the reading that closes window {@code k}. */
    public int windowEndPosition(long k) {
        return (int) (k * slide + windowSize - 1);
    }

    /**
     * Appends readings to {@code device} so that its next window closes with a reading at
     * {@code eventTime}: the readings before it continue the device's nominal times. Returns the
     * index of that window.
     */
    public long closeWindowAt(int device, long eventTime) {
        int count = count(device);
        int end = count < windowSize ? windowSize : count + (slide - (count - windowSize) % slide) % slide;
        if (end == count) {
            end += slide;
        }
        while (count(device) < end - 1) {
            add(device, nominalTs(device, nextSeq[device]++));
        }
        add(device, eventTime);
        return windowCount(device) - 1;
    }

    /** Readings added for {@code device}. */
    public int count(int device) {
        return eventTimes.get(device).size();
    }

    /** Windows {@code device} must produce from the readings added so far. */
    public int windowCount(int device) {
        int n = count(device);
        return n < windowSize ? 0 : (n - windowSize) / slide + 1;
    }

    /** Windows all devices must produce from the readings added so far. */
    public int totalWindows() {
        int total = 0;
        for (int d = 0; d < devices; d++) {
            total += windowCount(d);
        }
        return total;
    }

    /** The event time window {@code k} of {@code device} must carry: that of its last reading. */
    public long windowEnd(int device, long k) {
        return eventTimes.get(device).get(windowEndPosition(k));
    }

    /** The largest event time added for any device. */
    public long maxEventTime() {
        long max = Long.MIN_VALUE;
        for (List<Long> times : eventTimes) {
            for (long t : times) {
                max = Math.max(max, t);
            }
        }
        return max;
    }

    /**
     * Records for every reading added since the last call, devices interleaved round-robin, each
     * device's readings in the order they were added (keyed by device id).
     */
    public List<ProducerRecord<byte[], byte[]>> drainRecords(String topic) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        boolean more = true;
        while (more) {
            more = false;
            for (int d = 0; d < devices; d++) {
                if (produced[d] < count(d)) {
                    int position = produced[d]++;
                    long ts = eventTimes.get(d).get(position);
                    out.add(new ProducerRecord<>(topic, deviceId(d).getBytes(StandardCharsets.UTF_8),
                            SensorFleetSimulator.readingJson(deviceId(d), ts, values(d, position))));
                    more = true;
                }
            }
        }
        return out;
    }

    private float[] values(int device, int position) {
        float[] values = new float[channels];
        for (int c = 0; c < channels; c++) {
            values[c] = (float) (Math.sin((position + c) / 5.0 + device) * 0.5 + ((position * 31 + c * 7 + device) % 13) / 100.0);
        }
        return values;
    }
}
