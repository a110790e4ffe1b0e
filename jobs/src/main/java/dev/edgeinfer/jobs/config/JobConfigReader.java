package dev.edgeinfer.jobs.config;

import static dev.edgeinfer.jobs.config.KafkaJobOptions.*;

import dev.edgeinfer.broadcast.release.ModelId;
import dev.edgeinfer.broadcast.release.Sha256;
import dev.edgeinfer.operators.model.StagingLimits;
import dev.edgeinfer.operators.runtime.OnnxRunnerOptions;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads options into validated values for every job's configuration record, each failure an
 * {@link InvalidConfigurationException} naming the key and the offending value; the settings all
 * jobs share ({@link KafkaJobOptions}) are read and cross-checked here once.
 */
final class JobConfigReader {

    static final Pattern HOST_PORT = Pattern.compile("[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private JobConfigReader() {}

    /** The {@code public static final ConfigOption} fields of {@code holders}, class by class, in declaration order. */
    static List<ConfigOption<?>> declaredOptions(Class<?>... holders) {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Class<?> holder : holders) {
            for (Field field : holder.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                    try {
                        options.add((ConfigOption<?>) field.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return options;
    }

    /** {@code kafka.bootstrap-servers}, required, as {@code host:port[,host:port...]}. */
    static String bootstrapServers(Configuration conf) {
        String bootstrap = required(conf, BOOTSTRAP_SERVERS);
        if (!HOST_PORT.matcher(bootstrap).matches()) {
            throw new InvalidConfigurationException(
                    BOOTSTRAP_SERVERS.key(), "'" + bootstrap + "' is not host:port[,host:port...]");
        }
        return bootstrap;
    }

    /** The transaction timeout, which must outlast a checkpoint interval or transactions abort before commit. */
    static Duration transactionTimeout(Configuration conf, Duration checkpointInterval) {
        Duration transactionTimeout = positiveDuration(conf, TRANSACTION_TIMEOUT);
        if (transactionTimeout.compareTo(checkpointInterval) <= 0) {
            throw new InvalidConfigurationException(
                    TRANSACTION_TIMEOUT.key(),
                    "must be longer than " + CHECKPOINT_INTERVAL.key() + " (" + checkpointInterval + "), got "
                            + transactionTimeout);
        }
        return transactionTimeout;
    }

    /** The optional initial model ({@code model.version}, {@code model.path}, {@code model.sha256}); both null when unset. */
    record InitialModel(ModelId model, Path path) {}

    static InitialModel initialModel(Configuration conf, String modelName, ConfigOption<String> modelPathOption) {
        ModelId model = null;
        Path modelPath = null;
        // An initial model is optional, but model.version and model.path come together.
        if (conf.contains(MODEL_VERSION) || conf.contains(modelPathOption)) {
            String version = required(conf, MODEL_VERSION);
            modelPath = Path.of(required(conf, modelPathOption)).toAbsolutePath();
            if (!Files.isRegularFile(modelPath)) {
                throw new InvalidConfigurationException(modelPathOption.key(), "no such file: " + modelPath);
            }
            String sha256 = conf.getOptional(MODEL_SHA256).orElse(null);
            if (sha256 == null) {
                try {
                    sha256 = Sha256.of(modelPath);
                } catch (IOException e) {
                    throw new InvalidConfigurationException(modelPathOption.key(), "cannot read " + modelPath + ": " + e, e);
                }
            }
            try {
                model = ModelId.of(modelName, version, sha256);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(MODEL_SHA256.key(), e.getMessage(), e);
            }
        } else if (conf.contains(MODEL_SHA256)) {
            throw new InvalidConfigurationException(MODEL_SHA256.key(), "is set but model.version and model.path are not");
        }
        return new InitialModel(model, modelPath);
    }

    static OnnxRunnerOptions onnx(Configuration conf) {
        int intraOpThreads = positive(conf, ONNX_INTRA_OP_THREADS);
        String optLevel = get(conf, ONNX_OPT_LEVEL);
        try {
            return new OnnxRunnerOptions(intraOpThreads, 1, optLevel, 3);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(ONNX_OPT_LEVEL.key(), e.getMessage(), e);
        }
    }

    static StagingLimits stagingLimits(Configuration conf) {
        return new StagingLimits(positiveDuration(conf, STAGING_FETCH_TIMEOUT), positiveDuration(conf, STAGING_LOAD_TIMEOUT),
                positiveDuration(conf, STAGING_WARMUP_TIMEOUT), positiveBytes(conf, STAGING_WARMUP_MAX_TENSOR),
                positive(conf, STAGING_CONCURRENCY));
    }

    static java.util.Set<String> httpAllowedHosts(Configuration conf) {
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        for (String part : conf.getOptional(MODEL_HTTP_ALLOWED_HOSTS).orElse("").split(",")) {
            if (!part.isBlank()) {
                hosts.add(part.trim().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return java.util.Set.copyOf(hosts);
    }

    static List<Path> trustedKeys(Configuration conf) {
        List<Path> paths = new ArrayList<>();
        String value = conf.getOptional(TRUSTED_KEYS).orElse("");
        for (String part : value.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            Path path = Path.of(part.trim()).toAbsolutePath();
            if (!Files.exists(path)) {
                throw new InvalidConfigurationException(TRUSTED_KEYS.key(), "no such key file or directory: " + path);
            }
            paths.add(path);
        }
        return List.copyOf(paths);
    }

    static Path modelsRoot(Configuration conf, Path initialModel) {
        Optional<String> root = conf.getOptional(MODELS_ROOT);
        if (root.isPresent()) {
            Path path = Path.of(root.get().trim()).toAbsolutePath();
            if (!Files.isDirectory(path)) {
                throw new InvalidConfigurationException(MODELS_ROOT.key(), "not a directory: " + path);
            }
            return path;
        }
        return initialModel == null ? null : initialModel.getParent();
    }

    static int nonNegative(Configuration conf, ConfigOption<Integer> option) {
        return atLeast(conf, option, 0);
    }

    static long positiveBytes(Configuration conf, ConfigOption<MemorySize> option) {
        MemorySize value = get(conf, option);
        if (value.getBytes() <= 0) {
            throw new InvalidConfigurationException(option.key(), "must be > 0, got " + value);
        }
        return value.getBytes();
    }

    static void rejectUnknownKeys(Configuration conf, List<ConfigOption<?>> options) {
        Set<String> known = options.stream().map(ConfigOption::key).collect(Collectors.toSet());
        Set<String> prefixes =
                known.stream()
                        .filter(k -> k.indexOf('.') > 0)
                        .map(k -> k.substring(0, k.indexOf('.') + 1))
                        .collect(Collectors.toSet());
        for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
            String key = e.getKey();
            boolean ours = prefixes.stream().anyMatch(key::startsWith);
            if (ours && !known.contains(key) && !key.startsWith(KAFKA_PROPERTIES_PREFIX)) {
                throw new InvalidConfigurationException(key, "unknown setting (see the configuration table in the README)");
            }
        }
    }

    /** Prefix of the Kafka client properties passed to every Kafka client of a job. */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    /** The {@code kafka.properties.<name>} settings as client properties {@code <name>}, sorted. */
    /** {@code edgeinfer.site.labels} parsed ({@code key=value,...}). */
    static java.util.Map<String, String> siteLabels(Configuration conf) {
        String text = get(conf, KafkaJobOptions.SITE_LABELS);
        try {
            return java.util.Map.copyOf(dev.edgeinfer.broadcast.timeline.SiteIdentity.parseLabels(text));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(KafkaJobOptions.SITE_LABELS.key(), e.getMessage(), e);
        }
    }

    static java.util.Map<String, String> kafkaProperties(Configuration conf) {
        java.util.TreeMap<String, String> properties = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
            if (e.getKey().startsWith(KAFKA_PROPERTIES_PREFIX)) {
                String name = e.getKey().substring(KAFKA_PROPERTIES_PREFIX.length());
                if (name.isBlank()) {
                    throw new InvalidConfigurationException(e.getKey(), "names no Kafka client property");
                }
                properties.put(name, e.getValue());
            }
        }
        return java.util.Collections.unmodifiableMap(properties);
    }

    static <T> T get(Configuration conf, ConfigOption<T> option) {
        try {
            return conf.get(option);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(option.key(), e.getMessage(), e);
        }
    }

    static String required(Configuration conf, ConfigOption<String> option) {
        String value = get(conf, option);
        if (value == null || value.isBlank()) {
            throw new InvalidConfigurationException(option.key(), "is required: " + option.description());
        }
        return value.trim();
    }

    static String topic(Configuration conf, ConfigOption<String> option) {
        String value = required(conf, option);
        if (!TOPIC.matcher(value).matches()) {
            throw new InvalidConfigurationException(option.key(), "'" + value + "' is not a valid Kafka topic name");
        }
        return value;
    }

    static int positive(Configuration conf, ConfigOption<Integer> option) {
        return atLeast(conf, option, 1);
    }

    private static int atLeast(Configuration conf, ConfigOption<Integer> option, int min) {
        int value = get(conf, option);
        if (value < min) {
            throw new InvalidConfigurationException(option.key(), "must be >= " + min + ", got " + value);
        }
        return value;
    }

    static Duration positiveDuration(Configuration conf, ConfigOption<Duration> option) {
        Duration value = get(conf, option);
        if (value.isZero() || value.isNegative()) {
            throw new InvalidConfigurationException(option.key(), "must be > 0, got " + value);
        }
        return value;
    }

    static Duration nonNegativeDuration(Configuration conf, ConfigOption<Duration> option) {
        Duration value = get(conf, option);
        if (value.isNegative()) {
            throw new InvalidConfigurationException(option.key(), "must be >= 0, got " + value);
        }
        return value;
    }
}
