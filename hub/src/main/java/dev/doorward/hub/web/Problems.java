package dev.doorward.hub.web;

import dev.doorward.hub.database.DatabaseHealth;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.Conflict;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Each domain exception maps to one RFC 9457 problem response here, and nowhere else. Expected errors carry
 * no stack trace and say nothing about which ids exist.
 */
@RestControllerAdvice
// Before Spring Boot's own problem-detail handler, so the exceptions named here are answered as written here.
@Order(Ordered.HIGHEST_PRECEDENCE)
public class Problems {
    private static final Logger log = LoggerFactory.getLogger(Problems.class);

    @ExceptionHandler(InvalidInput.class)
    ProblemDetail invalidInput(InvalidInput e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(Conflict.class)
    ProblemDetail conflict(Conflict e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    }

    @ExceptionHandler(NotFound.class)
    ProblemDetail notFound(NotFound e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "Not found");
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestGate.BodyTooLarge tooLarge) {
                return bodyTooLarge(tooLarge);
            }
        }
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The request body is not valid JSON");
    }

    /** A body sent without a length that went past {@link RequestGate#MAX_BODY_BYTES}. */
    @ExceptionHandler(RequestGate.BodyTooLarge.class)
    ProblemDetail bodyTooLarge(RequestGate.BodyTooLarge e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, "The request body is too large");
    }

    @ExceptionHandler(TooManyRequests.class)
    ResponseEntity<ProblemDetail> tooMany(TooManyRequests e) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", Long.toString(e.retryAfterSeconds()))
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, "Too many attempts, try later"));
    }

    /**
     * The database is down or did not answer in time: 503 at once, with no stack trace (the database watchdog logs
     * the outage once, not once per request).
     */
    @ExceptionHandler({DataAccessException.class, SQLException.class})
    ResponseEntity<ProblemDetail> databaseFailed(Exception e) throws Exception {
        if (!DatabaseHealth.isOutage(e)) {
            throw e;
        }
        log.debug("Request refused, the database is unavailable: {}", e.getMessage());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "5")
                .body(ProblemDetail.forStatusAndDetail(
                        HttpStatus.SERVICE_UNAVAILABLE, "The hub's database is unavailable; try again shortly"));
    }

    /** For filters that answer before Spring MVC: the same shape as the handlers above. */
    public void write(HttpServletResponse response, int status, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        String title = HttpStatus.valueOf(status).getReasonPhrase();
        String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    public void writeTooMany(HttpServletResponse response, long retryAfterSeconds) throws IOException {
        response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        write(response, 429, "Too many attempts, try later");
    }

    static void logUnexpected(Exception e) {
        log.error("Unexpected error", e);
    }
}
