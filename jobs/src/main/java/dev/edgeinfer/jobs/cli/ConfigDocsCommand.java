package dev.edgeinfer.jobs.cli;

import dev.edgeinfer.jobs.config.ConfigDocs;

import picocli.CommandLine.Command;

/** {@code edgeinfer config-docs}: prints the configuration table the README embeds. */
@Command(name = "config-docs", mixinStandardHelpOptions = true,
        description = "Prints the sensor job's configuration options as a Markdown table.")
final class ConfigDocsCommand implements Runnable {
    @Override
    public void run() {
        System.out.print(ConfigDocs.markdownTable());
    }
}
