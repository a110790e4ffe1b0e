package dev.edgeinfer.operators.runtime;

/**
 * Process-wide switches that must be set before DJL initialises.
 *
 * <p>DJL reads {@code OPT_OUT_TRACKING} once, when its telemetry first runs; without it the first
 * model load tries to reach a cloud metadata address. {@code ai.djl.offline} stops DJL from ever
 * downloading engine files: the ONNX Runtime natives come from the jar on the classpath.
 */
public final class OnnxRuntimeSetup {

    private OnnxRuntimeSetup() {}

    /** Idempotent; call before touching any DJL class (the runner does it in its initialiser). */
    public static void disableNetworkAccess() {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
    }
}
