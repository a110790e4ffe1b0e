package dev.edgeinfer.jobs.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository's deployment files (docker/, helm/) for the tests of this package. */
final class RepositoryFiles {

    private RepositoryFiles() {}

    /** The repository root: set by Maven as {@code edgeinfer.repoRoot}, else the jobs module's parent. */
    static Path root() {
        String configured = System.getProperty("edgeinfer.repoRoot");
        Path root = (configured != null ? Path.of(configured) : Path.of(".."))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(root.resolve("docker/Dockerfile"))) {
            throw new IllegalStateException("not the repository root (no docker/Dockerfile): " + root);
        }
        return root;
    }

    static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
