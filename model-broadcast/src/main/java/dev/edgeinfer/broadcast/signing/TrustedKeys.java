package dev.edgeinfer.broadcast.signing;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Ed25519 public keys whose release signatures this job trusts, by key id
 * ({@link ReleaseSigning#keyId(PublicKey)}).
 *
 * <pre>{@code
 * TrustedKeys keys = TrustedKeys.fromDirectory(Path.of("/etc/edgeinfer/trusted-keys"));
 * ReleaseSigning.verify(release, keys);   // throws ReleaseSignatureException
 * }</pre>
 *
 * <p><b>Guarantees and caveats.</b> Immutable and serializable (it is shipped to every subtask);
 * keys are held in their X.509 encoding and the key id is always recomputed from the key itself,
 * never taken from a file name, so a renamed file cannot impersonate another key. Only Ed25519
 * keys are accepted. {@link #fromDirectory(Path)} reads {@code *.pub} and {@code *.pem} files and
 * <em>refuses</em> a directory that contains a private key (a trust store that leaks signing keys is
 * a misconfiguration worth failing on). {@link #none()} trusts nothing: verification against it
 * always fails; whether a job skips verification when no keys are configured is the job's policy
 * (see {@link #isEmpty()}), not this class's.
 */
public final class TrustedKeys implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final TrustedKeys NONE = new TrustedKeys(new TreeMap<>());

    /** key id -> X.509 (SubjectPublicKeyInfo) encoding. Encoded bytes: PublicKey implementations need not be serializable across JDKs. */
    private final TreeMap<String, byte[]> encodedById;

    private TrustedKeys(TreeMap<String, byte[]> encodedById) {
        this.encodedById = encodedById;
    }

    /** Trusts no key. */
    public static TrustedKeys none() {
        return NONE;
    }

    /** Trusts exactly these Ed25519 public keys. */
    public static TrustedKeys of(PublicKey... keys) {
        return of(List.of(keys));
    }

    /** Trusts exactly these Ed25519 public keys. */
    public static TrustedKeys of(Iterable<? extends PublicKey> keys) {
        TreeMap<String, byte[]> map = new TreeMap<>();
        for (PublicKey key : keys) {
            ReleaseSigning.requireEd25519(key);
            map.put(ReleaseSigning.keyId(key), key.getEncoded().clone());
        }
        return new TrustedKeys(map);
    }

    /**
     * Reads public keys (PEM {@code PUBLIC KEY} or raw X.509 DER) from files.
     *
     * @throws IOException if a file cannot be read or is not an Ed25519 public key (the message names the file)
     */
    public static TrustedKeys fromFiles(Path... files) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            keys.add(ReleaseSigning.readPublicKey(file));
        }
        return of(keys);
    }

    /**
     * Reads every {@code *.pub} and {@code *.pem} file of a directory (not recursive); other files
     * are ignored. An empty directory gives an empty set.
     *
     * @throws IOException if the directory cannot be listed, a file is not an Ed25519 public key,
     *     or a file holds a private key
     */
    public static TrustedKeys fromDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("trusted-keys directory " + directory + " does not exist or is not a directory");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.{pub,pem}")) {
            stream.forEach(files::add);
        }
        Collections.sort(files);
        return fromFiles(files.toArray(Path[]::new));
    }

    /** The trusted key with this id, if any. */
    public Optional<PublicKey> find(String keyId) {
        byte[] encoded = keyId == null ? null : encodedById.get(keyId);
        return encoded == null ? Optional.empty() : Optional.of(ReleaseSigning.decodePublicKey(encoded));
    }

    /** The ids of all trusted keys, sorted. */
    public Set<String> keyIds() {
        return Collections.unmodifiableSet(encodedById.keySet());
    }

    public boolean isEmpty() {
        return encodedById.isEmpty();
    }

    /** This set plus {@code other}'s keys. */
    public TrustedKeys union(TrustedKeys other) {
        TreeMap<String, byte[]> map = new TreeMap<>(encodedById);
        map.putAll(other.encodedById);
        return new TrustedKeys(map);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrustedKeys t) || !t.encodedById.keySet().equals(encodedById.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : encodedById.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), t.encodedById.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return encodedById.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "TrustedKeys" + encodedById.keySet();
    }
}
