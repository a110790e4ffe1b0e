package dev.edgeinfer.cli;

import dev.edgeinfer.simulation.sensor.SensorFleetSimulator;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code edgeinfer produce}: the simulated sensor fleet alone, against any Kafka. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Writes simulated sensor readings (with anomalies and optional malformed records) to Kafka.")
final class ProduceCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "edge.sensor.readings", description = "Topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--devices", defaultValue = "20", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rate", defaultValue = "400", description = "Records per second across the fleet (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--channels", defaultValue = "4", description = "Values per reading (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--malformed", defaultValue = "0", description = "Share of deliberately malformed records (default: ${DEFAULT-VALUE}).")
    double malformed;

    @Option(names = "--anomaly-rate", defaultValue = "0.01", description = "Per-reading chance an anomaly episode starts (default: ${DEFAULT-VALUE}).")
    double anomalyRate;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Stop after this long (default: until interrupted).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (SensorFleetSimulator simulator =
                new SensorFleetSimulator(bootstrap, topic, devices, channels, rate, malformed, anomalyRate, seed)) {
            simulator.warmUp(Duration.ofSeconds(2));
            Thread producer = new Thread(
                    () -> simulator.run(duration != null ? duration : Duration.ofDays(365), stop::get), "edgeinfer-produce");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.set(true);
                try {
                    producer.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.printf("producing %.0f records/s from %d devices to %s on %s%n", rate, devices, topic, bootstrap);
            producer.start();
            while (producer.isAlive()) {
                producer.join(5000);
                System.out.printf("  sent %d (malformed %d, send errors %d)%n",
                        simulator.sent(), simulator.malformedInjected(), simulator.sendErrors());
            }
            return simulator.sendErrors() == 0 ? 0 : 1;
        }
    }
}
