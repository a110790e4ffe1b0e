package dev.edgeinfer.jobs.controller;

import dev.edgeinfer.broadcast.control.ControlMessage;
import dev.edgeinfer.broadcast.release.ModelRelease;
import dev.edgeinfer.broadcast.release.ModelReleaseJson;
import dev.edgeinfer.broadcast.signing.ReleaseSigning;
import dev.edgeinfer.broadcast.status.ModelStatus;
import dev.edgeinfer.broadcast.status.RolloutDecision;
import dev.edgeinfer.broadcast.status.RolloutDecisionJson;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's keyed operator (keyed by model): control-topic messages on the first input,
 * heartbeats ({@code (model, JSON)}) on the second. Each model's {@link ModelRollout} lives in keyed
 * state; a decision is emitted as the signed release ({@code (releaseId, release JSON)}, main
 * output, for the control topic) and its explanation ({@code (controller/<model>, decision JSON)},
 * {@link #DECISIONS}, for the status topic), and logged.
 */
public final class RolloutControllerFunction
        extends KeyedCoProcessFunction<String, ControlMessage, Tuple2<String, byte[]>, Tuple2<String, byte[]>> {

    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RolloutControllerFunction.class);

    /** The decisions, as {@code (status-topic key, decision JSON)}. */
    public static final OutputTag<Tuple2<String, byte[]>> DECISIONS = new OutputTag<>("decisions", StatusRecords.TYPE);

    private final RolloutPolicy policy;
    private final String controllerName;
    private final Set<String> models;
    private final String privateKeyPath;
    private final String keyId;
    private final java.util.List<ModelRelease> initialReleases;

    private transient ValueState<byte[]> state;
    private transient PrivateKey privateKey;
    private transient Counter rollbacks;
    private transient Counter promotions;

    /**
     * @param models the models judged; empty: every model
     * @param privateKeyPath the controller's Ed25519 private key (PEM), read in {@code open()}
     * @param keyId the id of its public key (sites trust the controller by it)
     * @param initialReleases the releases on the control topic at submission: each model's state
     *     starts with them, so heartbeats read before the control source caught up are judged
     *     against the same history on every run
     */
    public RolloutControllerFunction(RolloutPolicy policy, String controllerName, Set<String> models, Path privateKeyPath,
            String keyId, java.util.List<ModelRelease> initialReleases) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
        this.controllerName = java.util.Objects.requireNonNull(controllerName, "controllerName");
        this.models = Set.copyOf(models);
        this.privateKeyPath = privateKeyPath.toString();
        this.keyId = java.util.Objects.requireNonNull(keyId, "keyId");
        this.initialReleases = java.util.List.copyOf(initialReleases);
    }

    @Override
    public void open(OpenContext context) throws IOException {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("model-rollout",
                org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        privateKey = ReleaseSigning.readPrivateKey(Path.of(privateKeyPath));
        var metrics = getRuntimeContext().getMetricGroup().addGroup("edgeinfer");
        rollbacks = metrics.counter("controllerRollbacks");
        promotions = metrics.counter("controllerPromotions");
    }

    @Override
    public void processElement1(ControlMessage message, Context ctx, Collector<Tuple2<String, byte[]>> out)
            throws IOException {
        if (!judged(ctx.getCurrentKey())) {
            return;
        }
        ModelRollout rollout = load(ctx.getCurrentKey());
        if (message instanceof ControlMessage.Release r) {
            rollout.release(r.release());
        } else if (message instanceof ControlMessage.Advisory a) {
            rollout.advisory(a.advisory());
        } else {
            return;
        }
        save(rollout);
    }

    @Override
    public void processElement2(Tuple2<String, byte[]> heartbeat, Context ctx, Collector<Tuple2<String, byte[]>> out)
            throws IOException {
        if (!judged(ctx.getCurrentKey())) {
            return;
        }
        Optional<ModelStatus> status = StatusRecords.heartbeat(heartbeat.f1);
        if (status.isEmpty()) {
            return;
        }
        ModelRollout rollout = load(ctx.getCurrentKey());
        Optional<ModelRollout.Proposal> proposal = rollout.heartbeat(status.get(), StatusRecords.shadowAgreement(heartbeat.f1));
        save(rollout);
        if (proposal.isPresent()) {
            ModelRelease signed = ReleaseSigning.sign(proposal.get().release(), privateKey, keyId);
            RolloutDecision decision = proposal.get().decision(signed);
            LOG.info("rollout controller decided: {} -> release {} (evidence {})", decision.summary(), signed.releaseId(),
                    decision.evidence());
            (decision.action() == RolloutDecision.Action.ROLLBACK ? rollbacks : promotions).inc();
            out.collect(Tuple2.of(signed.releaseId(), ModelReleaseJson.toJson(signed)));
            ctx.output(DECISIONS, Tuple2.of(decision.key(), RolloutDecisionJson.toJson(decision)));
        }
    }

    private boolean judged(String model) {
        return models.isEmpty() || models.contains(model);
    }

    /** The model's rollout from state (Java-serialized: a handful of releases and windows per model). */
    private ModelRollout load(String model) throws IOException {
        byte[] bytes = state.value();
        if (bytes == null) {
            ModelRollout fresh = new ModelRollout(model, policy, controllerName);
            initialReleases.stream().filter(r -> r.model().equals(model)).forEach(fresh::release);
            return fresh;
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (ModelRollout) in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("state of model " + model + " does not restore: " + e.getMessage(), e);
        }
    }

    private void save(ModelRollout rollout) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(rollout);
        }
        state.update(bytes.toByteArray());
    }

    /** The key of a control message: its model ({@code ""} for a rejected record that names none). */
    public static String modelOf(ControlMessage message) {
        if (message instanceof ControlMessage.Release r) {
            return r.release().model();
        }
        if (message instanceof ControlMessage.Advisory a) {
            return a.advisory().model();
        }
        return ((ControlMessage.Rejected) message).modelHint().orElse("");
    }
}
