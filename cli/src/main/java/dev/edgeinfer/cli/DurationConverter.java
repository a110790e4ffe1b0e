package dev.edgeinfer.cli;

import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

import java.time.Duration;

/** Reads durations the way Flink configuration does: {@code 30s}, {@code 500 ms}, {@code 2min}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration (examples: 30s, 500ms, 2min)");
        }
    }
}
