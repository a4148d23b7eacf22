package dev.doorward.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The result table, as markdown (for people and docs/benchmarks.md) and CSV (for tools). */
final class Report {
    private Report() {}

    static Bench.Result write(
            Path out, Instant started, String settings, List<Bench.Row> rows, List<String> notes, String reference)
            throws IOException {
        String machine = machine();
        String jdk = System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version");
        String commit = commit();
        StringBuilder md = new StringBuilder();
        md.append("| | |\n|---|---|\n");
        md.append("| run | ").append(started).append(" |\n");
        md.append("| machine | ").append(machine).append(" |\n");
        md.append("| JDK (hub and load generator) | ").append(jdk).append(" |\n");
        md.append("| commit | ").append(commit).append(" |\n");
        md.append("| reference | ")
                .append(reference == null ? "not run" : reference)
                .append(" |\n");
        md.append("| settings | ").append(settings).append(" |\n\n");
        boolean cluster = !rows.isEmpty() && rows.get(0).scenario().startsWith("cluster");
        if (cluster) {
            // The cluster's table: its reference column is one hub's figure from the same run (ring only).
            md.append("## Cluster: three nodes behind HAProxy\n\n");
            md.append(
                    "| scenario | metric | unit | 3 nodes | beside: single hub (ring), viewers on the doorbell's node (live) | ratio | target (DESIGN §11) |\n");
        } else {
            md.append(
                    "| scenario | metric | unit | Doorward | reference | Doorward / reference | target (DESIGN §11) |\n");
        }
        md.append("|---|---|---|---:|---:|---:|---|\n");
        StringBuilder csv =
                new StringBuilder("scenario,metric,unit,doorward,reference,ratio,target,machine,jdk,commit,settings\n");
        for (Bench.Row r : rows) {
            md.append("| ")
                    .append(r.scenario())
                    .append(" | ")
                    .append(r.metric())
                    .append(" | ")
                    .append(r.unit())
                    .append(" | ")
                    .append(fmt(r.doorward()))
                    .append(" | ")
                    .append(fmt(r.reference()))
                    .append(" | ")
                    .append(r.ratio() == null ? "–" : fmt(r.ratio()) + "×")
                    .append(" | ")
                    .append(r.target())
                    .append(" |\n");
            csv.append(String.join(
                            ",",
                            quote(r.scenario()),
                            quote(r.metric()),
                            quote(r.unit()),
                            raw(r.doorward()),
                            raw(r.reference()),
                            raw(r.ratio()),
                            quote(r.target()),
                            quote(machine),
                            quote(jdk),
                            quote(commit),
                            quote(settings)))
                    .append('\n');
        }
        md.append(
                cluster
                        ? "\nBeside: the ring scenario against one hub, same options, in the same run; for live, the"
                                + " viewers on the doorbells' node (see docs/benchmarks.md, \"Cluster\").\n"
                        : "\nReference: Mosquitto for connect and ring, nginx + nchan for live (see docs/benchmarks.md).\n");
        for (String note : notes) {
            md.append("\n- ").append(note);
        }
        md.append('\n');
        Files.createDirectories(out);
        Path mdFile = out.resolve("results.md");
        Path csvFile = out.resolve("results.csv");
        Files.writeString(mdFile, md, StandardCharsets.UTF_8);
        Files.writeString(csvFile, csv, StandardCharsets.UTF_8);
        return new Bench.Result(rows, md.toString(), csv.toString(), mdFile, csvFile);
    }

    private static String fmt(Double v) {
        if (v == null || v.isNaN()) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 1 && v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    private static String raw(Double v) {
        return v == null || v.isNaN() ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    static String machine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse(cpu);
            memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                    .findFirst()
                    .orElse(0);
        } catch (IOException e) {
            // best effort
        }
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            kernel = System.getProperty("os.version");
        }
        return String.format(
                Locale.ROOT,
                "%s, %d cores, %.1f GiB, Linux %s",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                memKb / 1024.0 / 1024.0,
                kernel);
    }

    static String commit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String head = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                return "unknown";
            }
            Process s = new ProcessBuilder("git", "status", "--porcelain")
                    .redirectErrorStream(true)
                    .start();
            boolean dirty = !new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
            s.waitFor();
            return head + (dirty ? " (with uncommitted changes)" : "");
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
