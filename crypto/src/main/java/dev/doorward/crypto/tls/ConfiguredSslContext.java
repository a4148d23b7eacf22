package dev.doorward.crypto.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSLContext whose engines, sockets and server sockets start out with Doorward's parameters (TLS 1.3
 * only, our named groups). JSSE's "TLSv1.3" context would otherwise still enable TLS 1.2 and older by
 * default, and every caller would have to remember to restrict it.
 */
final class ConfiguredSslContext extends SSLContext {

    ConfiguredSslContext(SSLContext delegate, Supplier<SSLParameters> parameters) {
        super(new Spi(delegate, parameters), delegate.getProvider(), delegate.getProtocol());
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext delegate;
        private final Supplier<SSLParameters> parameters;

        Spi(SSLContext delegate, Supplier<SSLParameters> parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("A Doorward SSLContext is initialized when it is created");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new SocketFactory(delegate.getSocketFactory(), parameters);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new ServerSocketFactory(delegate.getServerSocketFactory(), parameters);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return configure(delegate.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return configure(delegate.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return parameters.get();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }

        private SSLEngine configure(SSLEngine engine) {
            engine.setSSLParameters(parameters.get());
            return engine;
        }
    }

    private static final class SocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final Supplier<SSLParameters> parameters;

        SocketFactory(SSLSocketFactory delegate, Supplier<SSLParameters> parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.get().getCipherSuites() != null
                    ? parameters.get().getCipherSuites()
                    : delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(socket, consumed, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }

        private Socket configure(Socket socket) {
            ((SSLSocket) socket).setSSLParameters(parameters.get());
            return socket;
        }
    }

    private static final class ServerSocketFactory extends SSLServerSocketFactory {
        private final SSLServerSocketFactory delegate;
        private final Supplier<SSLParameters> parameters;

        ServerSocketFactory(SSLServerSocketFactory delegate, Supplier<SSLParameters> parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.get().getCipherSuites() != null
                    ? parameters.get().getCipherSuites()
                    : delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return configure(delegate.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return configure(delegate.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return configure(delegate.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return configure(delegate.createServerSocket(port, backlog, address));
        }

        private ServerSocket configure(ServerSocket socket) {
            ((SSLServerSocket) socket).setSSLParameters(parameters.get());
            return socket;
        }
    }
}
