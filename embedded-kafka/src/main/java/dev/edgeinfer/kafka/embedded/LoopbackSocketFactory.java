package dev.edgeinfer.kafka.embedded;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.ServerSocketFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens every listener socket on 127.0.0.1. The controller's socket is bound before the
 * broker is configured (its port goes into {@code controller.quorum.voters}) and handed to
 * Kafka's socket server when it asks for the controller listener; the client listener is
 * bound on demand at {@code 127.0.0.1:0}.
 */
final class LoopbackSocketFactory implements ServerSocketFactory {

    private final AtomicReference<ServerSocketChannel> preboundController;
    private final int controllerPort;

    private LoopbackSocketFactory(ServerSocketChannel preboundController) throws IOException {
        this.preboundController = new AtomicReference<>(preboundController);
        this.controllerPort = ((InetSocketAddress) preboundController.getLocalAddress()).getPort();
    }

    static LoopbackSocketFactory withPreboundController() throws IOException {
        ServerSocketChannel channel =
                ServerSocketFactory.INSTANCE.openServerSocket(
                        EmbeddedKafkaBroker.CONTROLLER_LISTENER, new InetSocketAddress(EmbeddedKafkaBroker.LOOPBACK, 0), 50, -1);
        try {
            return new LoopbackSocketFactory(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    int controllerPort() {
        return controllerPort;
    }

    @Override
    public ServerSocketChannel openServerSocket(
            String listenerName, InetSocketAddress socketAddress, int listenBacklogSize, int recvBufferSize)
            throws IOException {
        if (!EmbeddedKafkaBroker.LOOPBACK.equals(socketAddress.getHostString())) {
            throw new IOException(
                    "refusing to listen on " + socketAddress + " for " + listenerName + ": loopback only");
        }
        if (EmbeddedKafkaBroker.CONTROLLER_LISTENER.equals(listenerName)) {
            ServerSocketChannel prebound = preboundController.getAndSet(null);
            if (prebound != null && prebound.isOpen()) {
                return prebound;
            }
            socketAddress = new InetSocketAddress(EmbeddedKafkaBroker.LOOPBACK, controllerPort);
        }
        return ServerSocketFactory.INSTANCE.openServerSocket(
                listenerName, socketAddress, listenBacklogSize, recvBufferSize);
    }

    /** Closes the controller socket if Kafka never took it (a failed start). */
    void close() {
        ServerSocketChannel prebound = preboundController.getAndSet(null);
        if (prebound != null) {
            Utils.closeQuietly(prebound, "pre-bound controller socket");
        }
    }
}
