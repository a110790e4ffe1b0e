package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.ConfigDocs;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgeinfer config-docs}: prints the configuration table the README embeds. */
@Command(name = "config-docs", mixinStandardHelpOptions = true,
        description = "Prints the sensor job's (or, with --frames, the frame job's; with --controller, the rollout controller's) configuration options as a Markdown table.")
final class ConfigDocsCommand implements Runnable {

    @Option(names = "--frames", description = "The frame classification job's options.")
    boolean frames;

    @Option(names = "--controller", description = "The rollout controller's options.")
    boolean controller;

    @Override
    public void run() {
        System.out.print(controller ? ConfigDocs.controllerMarkdownTable()
                : frames ? ConfigDocs.frameMarkdownTable() : ConfigDocs.markdownTable());
    }
}
