package dev.edgeinfer.jobs;

import dev.edgeinfer.broadcast.release.ModelId;

/**
 * What every job's result carries besides its own payload: lineage (the model version that
 * produced it and the site), when its input was produced, and how long inference took.
 */
public interface JobResult {

    /** The model version that produced this result. */
    ModelId model();

    /** The edge site that produced it. */
    String site();

    /** Kafka timestamp of the (newest) input behind it (epoch ms). */
    long sourceTimestamp();
}
