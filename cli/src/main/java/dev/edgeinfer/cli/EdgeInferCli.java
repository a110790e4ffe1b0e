package dev.edgeinfer.cli;

import dev.edgeinfer.jobs.config.InvalidConfigurationException;
import dev.edgeinfer.operators.runtime.OnnxRuntimeSetup;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code edgeinfer} command line: {@code demo}, {@code run}, {@code produce},
 * {@code publish}, {@code rollback}, {@code keys}, {@code bench}, {@code config-docs}. Started by
 * the {@code ./edgeinfer} launcher at the repository root.
 */
@Command(
        name = "edgeinfer",
        mixinStandardHelpOptions = true,
        version = "edgeinfer 0.1.0",
        description = "Streaming ONNX inference on Apache Flink for edge clusters.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ProduceCommand.class,
            PublishCommand.class,
            RollbackCommand.class,
            PromoteCommand.class,
            DeprecateCommand.class,
            FleetCommand.class,
            ControllerCommand.class,
            KeysCommand.class,
            BenchCommand.class,
            ConfigDocsCommand.class,
            OptimizeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class EdgeInferCli implements Runnable {

    /** Held strongly: java.util.logging forgets levels of loggers nobody references. */
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int execute(String... args) {
        return execute(null, null, args);
    }

    /**
     * Runs the CLI with its output and error text going to {@code out} and {@code err} (null: the
     * console) and returns its exit code (for tests). Commands that print with
     * {@code System.out} are not redirected.
     */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        OnnxRuntimeSetup.disableNetworkAccess();
        // Tribuo logs every training run at INFO through java.util.logging; the CLI prints its own.
        TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
        CommandLine cli = new CommandLine(new EdgeInferCli());
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    if (e instanceof InvalidConfigurationException) {
                        commandLine.getErr().println("edgeinfer: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
