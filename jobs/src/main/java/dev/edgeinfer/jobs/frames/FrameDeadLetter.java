package dev.edgeinfer.jobs.frames;

/**
 * A rejected frame and why: the original record with its frame headers, a machine-readable
 * reason and what exactly was wrong.
 */
public record FrameDeadLetter(RawFrame original, FrameRejectReason reason, String detail) {}
