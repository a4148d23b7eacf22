package dev.doorward.hub.database;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/health}: public and minimal, for a supervisor or a monitoring probe. It says only whether the hub
 * works fully and whether its database answers; nothing about versions, households or devices.
 */
@RestController
class HealthController {
    private final DatabaseHealth health;

    HealthController(DatabaseHealth health) {
        this.health = health;
    }

    /** The answer's shape: {@code {"status": "up"|"degraded", "database": "up"|"down"}}. */
    record Health(String status, String database) {}

    @GetMapping("/api/health")
    ResponseEntity<Health> health() {
        boolean up = health.isUp();
        return ResponseEntity.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .cacheControl(CacheControl.noStore())
                .body(up ? new Health("up", "up") : new Health("degraded", "down"));
    }
}
