package dev.edgeinfer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A self-contained run on this machine ({@code demo}, {@code bench}) that prints its progress to a
 * console: the settings it was started with, where it prints, and the folder it works in.
 *
 * @param <S> the run's settings (the CLI's flags)
 */
public abstract class ConsoleRun<S> {

    protected final S settings;
    protected final PrintStream out;

    protected ConsoleRun(S settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * The folder models, keys and caches go to: {@code configured} (created if missing) when the
     * user named one, so a run can be inspected afterwards, else a fresh temporary folder.
     */
    protected static Path workDir(Path configured, String tempPrefix) throws IOException {
        return Files.createDirectories(configured != null ? configured : Files.createTempDirectory(tempPrefix));
    }
}
