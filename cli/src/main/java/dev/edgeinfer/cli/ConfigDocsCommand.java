package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.ConfigDocs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgeinfer config-docs}: prints the configuration table the README embeds. */
@Command(name = "config-docs", mixinStandardHelpOptions = true,
        description = "Prints the sensor job's (or, with --frames, the frame job's) configuration options as a Markdown table.")
final class ConfigDocsCommand implements Runnable {

    @Option(names = "--frames", description = "The frame classification job's options.")
    boolean frames;

    @Override
    public void run() {
        System.out.print(frames ? ConfigDocs.frameMarkdownTable() : ConfigDocs.markdownTable());
    }
}
