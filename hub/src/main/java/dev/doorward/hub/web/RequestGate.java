package dev.doorward.hub.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What every request on the browser port must be before anything else reads it (right after {@link
 * ConnectorGuard}, before sign-in and every route): a body of at most {@link #MAX_BODY_BYTES} (413), a {@code
 * Content-Type} that is one concrete type (400), parameters that decode and hold no NUL (400).
 * Bad input is the client's error: it is answered with a problem detail and logged in at most one debug line,
 * never with a stack trace.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class RequestGate extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(RequestGate.class);

    /**
     * The largest request body any route takes. The largest real one is a signed roster (at most 16 KiB of text);
     * media never comes over HTTP (doorbells upload over their link), so no route needs more.
     */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final Problems problems;

    RequestGate(Problems problems) {
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        if (declared > MAX_BODY_BYTES) {
            refuse(request, response, 413, "The request body is too large");
            return;
        }
        String contentType = request.getContentType();
        if (contentType != null && !concrete(contentType)) {
            refuse(request, response, 400, "The Content-Type is not a media type");
            return;
        }
        Map<String, String[]> parameters;
        try {
            // Parses the query and, for a form POST, the body: Tomcat's own parser, asked here so that a bad escape
            // is answered here instead of thrown out of a route.
            parameters = request.getParameterMap();
        } catch (InvalidParameterException e) {
            refuse(request, response, e.getErrorCode() == 413 ? 413 : 400, "The request's parameters are malformed");
            return;
        } catch (IllegalStateException e) {
            refuse(request, response, 400, "The request's parameters are malformed");
            return;
        }
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            if (hasNul(parameter.getKey())) {
                refuse(request, response, 400, "The request's parameters are malformed");
                return;
            }
            for (String value : parameter.getValue()) {
                if (hasNul(value)) {
                    refuse(request, response, 400, "The request's parameters are malformed");
                    return;
                }
            }
        }
        // A declared length is already checked (and Tomcat reads no further); a chunked body is counted as read.
        boolean chunked = declared < 0 && request.getHeader("Transfer-Encoding") != null;
        chain.doFilter(chunked ? new CappedBody(request) : request, response);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, int status, String detail)
            throws IOException {
        log.debug("{} {}: {} ({})", request.getMethod(), request.getRequestURI(), status, detail);
        // Tomcat reads (swallows) a refused body up to a limit, then closes: the client may stop sending.
        response.setHeader("Connection", "close");
        problems.write(response, status, detail);
    }

    /** One type and subtype, no wildcard (Spring refuses to even look at a request whose type has one). */
    private static boolean concrete(String contentType) {
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return !type.isWildcardType() && !type.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    /**
     * NUL: never part of an id, a name or a password (JSON bodies refuse it too, {@link JsonInput}), and PostgreSQL
     * cannot store it. Other control characters are left to each route (a password may hold a tab).
     */
    static boolean hasNul(String text) {
        return text.indexOf('\0') >= 0;
    }

    /** Thrown by a body that turns out longer than it said (or said nothing); answered 413 by {@link Problems}. */
    static final class BodyTooLarge extends IOException {
        BodyTooLarge() {
            super("request body over " + MAX_BODY_BYTES + " bytes", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Counts what a route reads of the body and stops at the cap, for bodies sent without a length. */
    private static final class CappedBody extends HttpServletRequestWrapper {
        private ServletInputStream stream;

        CappedBody(HttpServletRequest request) {
            super(request);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new CappedStream(super.getInputStream());
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }

    private static final class CappedStream extends ServletInputStream {
        private final ServletInputStream in;
        private long read;

        CappedStream(ServletInputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLarge {
            read += n;
            if (read > MAX_BODY_BYTES) {
                throw new BodyTooLarge();
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
