package dev.doorward.hub.database;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/health}: public and minimal, for a supervisor or a monitoring probe. It says only whether the hub
 * works fully and whether its database answers (and, on a cluster node, its cluster messaging); nothing about
 * versions, households or devices.
 */
@RestController
class HealthController {
    private final DatabaseHealth health;
    private final List<HealthPart> parts;

    HealthController(DatabaseHealth health, List<HealthPart> parts) {
        this.health = health;
        this.parts = List.copyOf(parts);
    }

    /**
     * The answer's shape: {@code {"status": "up"|"degraded", "database": "up"|"down"}}, and on a cluster node
     * {@code "cluster": "up"|"down"} (with {@code "degraded": "cluster messaging unavailable"} while it is down).
     * A lost database answers 503; a lost part 200: the hub still serves what it holds itself.
     */
    @GetMapping("/api/health")
    ResponseEntity<Map<String, String>> health() {
        boolean databaseUp = health.isUp();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", "up");
        body.put("database", databaseUp ? "up" : "down");
        boolean degraded = !databaseUp;
        for (HealthPart part : parts) {
            boolean up = part.up();
            body.put(part.name(), up ? "up" : "down");
            if (!up) {
                degraded = true;
                body.put("degraded", part.downMeans());
            }
        }
        if (degraded) {
            body.put("status", "degraded");
        }
        return ResponseEntity.status(databaseUp ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .cacheControl(CacheControl.noStore())
                .body(body);
    }
}
