package dev.edgeinfer.cluster;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * {@code OrphanGuard PARENT_PID MAIN_CLASS ARGS...}: runs {@code MAIN_CLASS} and halts this JVM as
 * soon as the process {@code PARENT_PID} is gone. {@link LocalFlinkCluster} starts its JobManager
 * and TaskManagers through it (unless detached), so that no Flink process outlives a test JVM that
 * was killed before its shutdown hook could run.
 */
public final class OrphanGuard {

    private OrphanGuard() {}

    public static void main(String[] args) throws Throwable {
        long parent = Long.parseLong(args[0]);
        ProcessHandle.of(parent)
                .ifPresentOrElse(h -> h.onExit().thenRun(() -> Runtime.getRuntime().halt(137)),
                        () -> Runtime.getRuntime().halt(137));
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
