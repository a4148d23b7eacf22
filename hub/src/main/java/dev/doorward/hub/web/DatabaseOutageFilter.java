package dev.doorward.hub.web;

import dev.doorward.hub.database.DatabaseHealth;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A lost database is a 503, never a 500, also where Spring MVC never sees the failure: the session store reads the
 * signed-in session (and writes it back) in a filter before sign-in and every route. Placed right after the
 * request gate, before the session filter.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class DatabaseOutageFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(DatabaseOutageFilter.class);

    private final Problems problems;

    DatabaseOutageFilter(Problems problems) {
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (ServletException | RuntimeException e) {
            if (!DatabaseHealth.isOutage(e) || response.isCommitted()) {
                throw e;
            }
            log.debug("Request refused, the database is unavailable: {}", e.getMessage());
            response.resetBuffer();
            response.setHeader("Retry-After", "5");
            problems.write(
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "The hub's database is unavailable; try again shortly");
        }
    }
}
