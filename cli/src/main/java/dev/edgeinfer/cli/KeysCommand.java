package dev.edgeinfer.cli;

import dev.edgeinfer.broadcast.signing.ReleaseSigning;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;

/** {@code edgeinfer keys generate}: an Ed25519 key pair for signing releases. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage the Ed25519 keys that sign model releases.",
        subcommands = KeysCommand.Generate.class)
final class KeysCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Writes a new Ed25519 key pair as <name>.key and <name>.pub.",
                    "<name>.key is private (owner-only; keep it with the publisher), <name>.pub is public",
                    "(give it to every job as model.trusted-keys)."})
    static final class Generate implements Callable<Integer> {

        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", defaultValue = ".edgeinfer/keys", description = "Directory for the key files (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--name", defaultValue = "release-signing", description = "File name stem (default: ${DEFAULT-VALUE}).")
        String name;

        @Override
        public Integer call() throws Exception {
            PrintWriter pw = spec.commandLine().getOut();
            Files.createDirectories(out);
            Path privateKey = out.resolve(name + ".key");
            Path publicKey = out.resolve(name + ".pub");
            if (Files.exists(privateKey) || Files.exists(publicKey)) {
                spec.commandLine().getErr().println("edgeinfer keys generate: " + privateKey + " or " + publicKey
                        + " already exists; refusing to overwrite a signing key");
                return CommandLine.ExitCode.USAGE;
            }
            KeyPair pair = ReleaseSigning.generateKeyPair();
            ReleaseSigning.writePrivateKey(privateKey, pair.getPrivate());
            ReleaseSigning.writePublicKey(publicKey, pair.getPublic());
            pw.printf("generated Ed25519 key %s%n", ReleaseSigning.keyId(pair.getPublic()));
            pw.printf("  private  %s  (sign with: edgeinfer publish ... --sign-key %s)%n", privateKey, privateKey);
            pw.printf("  public   %s  (trust with: model.trusted-keys=%s)%n", publicKey, publicKey.toAbsolutePath());
            pw.flush();
            return CommandLine.ExitCode.OK;
        }
    }
}
