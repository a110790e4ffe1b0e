package dev.edgeinfer.cli;

import java.nio.file.Path;

/** Test access to package-private parts of {@link BenchCommand}. */
public final class BenchCommandAccess {
    private BenchCommandAccess() {}

    public static Path siblingPng(Path json) {
        return BenchCommand.siblingPng(json);
    }
}
