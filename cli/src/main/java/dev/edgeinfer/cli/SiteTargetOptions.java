package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.release.InvalidReleaseException;
import dev.edgeinfer.broadcast.release.ReleaseTarget;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --sites} and {@code --site-label}, as a picocli mixin of {@code publish} and
 * {@code promote}: the sites a release applies to ({@link ReleaseTarget}).
 */
final class SiteTargetOptions {

    @Option(names = "--sites", split = ",", paramLabel = "SITE",
            description = "Only these sites (edgeinfer.site.id), comma-separated, e.g. plant-1,plant-2. Other sites keep "
                    + "resolving as before. With --site-label: a site named here or carrying one of the labels.")
    List<String> sites = new ArrayList<>();

    @Option(names = "--site-label", paramLabel = "KEY=VALUE",
            description = "Only sites carrying this label (edgeinfer.site.labels), e.g. wave=1; repeatable.")
    List<String> labels = new ArrayList<>();

    /** The target; {@link ReleaseTarget#ALL} when neither option is given. */
    ReleaseTarget target(CommandLine cmd) {
        try {
            return ReleaseTarget.of(sites, labels);
        } catch (InvalidReleaseException e) {
            throw new CommandLine.ParameterException(cmd, (e.field().endsWith("labels") ? "--site-label" : "--sites")
                    + " '" + e.offendingValue() + "': " + e.getMessage());
        }
    }
}
