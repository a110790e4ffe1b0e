package dev.edgeinfer.broadcast;

/** The bytes of a release could not be fetched; carries the URI and whether a retry may help. */
public class ModelFetchException extends Exception {

    private final String uri;
    private final boolean retriable;

    public ModelFetchException(String uri, String problem, boolean retriable, Throwable cause) {
        super("cannot fetch " + uri + ": " + problem, cause);
        this.uri = uri;
        this.retriable = retriable;
    }

    public String uri() {
        return uri;
    }

    public boolean retriable() {
        return retriable;
    }
}
