package dev.edgeinfer.testutils;

/**
 * The fresh topics one run of a job uses, from {@link EdgeInferCluster#jobTopics}; {@code unique}
 * is the part of the names no other test shares (for consumer groups and transactional ids).
 */
public record JobTopics(
        String input, String results, String deadLetters, String control, String status, String blobs, String unique) {}
