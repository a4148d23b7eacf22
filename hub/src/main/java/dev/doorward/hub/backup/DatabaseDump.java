package dev.doorward.hub.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A consistent copy of the hub's database without pg_dump (the embedded PostgreSQL ships none): one
 * REPEATABLE READ READ ONLY transaction sees a single snapshot, and each table leaves it as {@code COPY … TO
 * STDOUT} text. The schema itself is not copied: it is whatever Flyway builds at the recorded version, so a
 * restore migrates an empty database to that version and copies the rows back in one transaction.
 */
final class DatabaseDump {
    static final String FLYWAY_HISTORY = "flyway_schema_history";

    /** What a dump holds besides the rows: the schema version, each table's columns, sequence positions. */
    record Schema(String version, Map<String, List<String>> columns) {}

    /** A place the dump writes table copies to (an archive entry per table). */
    interface TableSink {
        OutputStream open(String table) throws IOException;

        void close(String table) throws IOException;
    }

    /** Where a restore reads each table's copy from. */
    interface TableSource {
        InputStream open(String table) throws IOException;
    }

    private DatabaseDump() {}

    /**
     * Dumps every table of the connection's schema but Flyway's history. {@code beforeRows} receives the schema
     * while the snapshot is open and before any row is written; the sequences are read last (they are not part
     * of the snapshot, and reading them later only ever gives values at or above it, which is safe).
     */
    static Map<String, Long> dump(Connection connection, SchemaSink beforeRows, TableSink sink)
            throws SQLException, IOException {
        boolean autoCommit = connection.getAutoCommit();
        int networkTimeout = connection.getNetworkTimeout();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("set transaction isolation level repeatable read, read only");
            withoutTimeouts(connection, statement);
            Schema schema = new Schema(schemaVersion(connection), columns(connection));
            beforeRows.accept(schema);
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            for (Map.Entry<String, List<String>> table : schema.columns().entrySet()) {
                OutputStream out = sink.open(table.getKey());
                copy.copyOut(
                        "copy " + quote(table.getKey()) + " (" + columnList(table.getValue()) + ") to stdout", out);
                sink.close(table.getKey());
            }
            Map<String, Long> sequences = sequences(connection);
            connection.commit();
            return sequences;
        } catch (SQLException | IOException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setNetworkTimeout(Runnable::run, networkTimeout);
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * A hub's connections give up on a statement after seconds (a stuck query must not hold a doorbell up); copying
     * a whole table may take longer, so this transaction has no statement timeout and no socket timeout.
     */
    private static void withoutTimeouts(Connection connection, Statement statement) throws SQLException {
        statement.execute("set local statement_timeout = 0");
        connection.setNetworkTimeout(Runnable::run, 0);
    }

    interface SchemaSink {
        void accept(Schema schema) throws IOException;
    }

    /**
     * Copies a dump's rows into a database whose schema Flyway has just built at the dump's version, in one
     * transaction: all rows or none. Refuses a database at another version, with other tables or columns, or with
     * any row already in a table (a restore never merges into a hub's live data).
     */
    static long load(Connection connection, Schema dump, Map<String, Long> sequences, TableSource source)
            throws SQLException, IOException {
        boolean autoCommit = connection.getAutoCommit();
        int networkTimeout = connection.getNetworkTimeout();
        connection.setAutoCommit(false);
        try {
            try (Statement statement = connection.createStatement()) {
                withoutTimeouts(connection, statement);
            }
            String version = schemaVersion(connection);
            if (!dump.version().equals(version)) {
                throw new BackupRefused(
                        "the database is at schema version " + version + ", the backup at " + dump.version());
            }
            Map<String, List<String>> columns = columns(connection);
            if (!columns.equals(dump.columns())) {
                throw new BackupRefused("the database's tables differ from the backup's at the same schema version");
            }
            for (String table : columns.keySet()) {
                try (Statement statement = connection.createStatement();
                        ResultSet rs = statement.executeQuery("select exists (select 1 from " + quote(table) + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        throw new BackupRefused("the database is not empty (table " + table
                                + " has rows); a backup is restored only into a new database");
                    }
                }
            }
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            long rows = 0;
            for (String table : loadOrder(connection, columns.keySet())) {
                try (InputStream in = source.open(table)) {
                    rows += copy.copyIn(
                            "copy " + quote(table) + " (" + columnList(columns.get(table)) + ") from stdin", in);
                }
            }
            for (Map.Entry<String, Long> sequence : sequences.entrySet()) {
                try (PreparedStatement statement = connection.prepareStatement("select setval(?::regclass, ?, true)")) {
                    statement.setString(1, quote(sequence.getKey()));
                    statement.setLong(2, sequence.getValue());
                    statement.execute();
                }
            }
            connection.commit();
            return rows;
        } catch (SQLException | IOException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setNetworkTimeout(Runnable::run, networkTimeout);
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The version of the newest successful Flyway migration. */
    static String schemaVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select version from " + FLYWAY_HISTORY
                        + " where success and version is not null order by installed_rank desc limit 1")) {
            if (!rs.next()) {
                throw new SQLException("the database has no schema version (no successful Flyway migration)");
            }
            return rs.getString(1);
        }
    }

    /** Every table of the current schema but Flyway's, in name order, with its columns in table order. */
    private static Map<String, List<String>> columns(Connection connection) throws SQLException {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                        select c.relname, a.attname from pg_class c
                        join pg_namespace n on n.oid = c.relnamespace
                        join pg_attribute a on a.attrelid = c.oid
                        where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relname <> ?
                          and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                        order by c.relname, a.attnum""")) {
            statement.setString(1, FLYWAY_HISTORY);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), t -> new ArrayList<>())
                            .add(rs.getString(2));
                }
            }
        }
        return columns;
    }

    /** Last values of the schema's sequences that have been used (a fresh one needs nothing). */
    private static Map<String, Long> sequences(Connection connection) throws SQLException {
        Map<String, Long> values = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select sequencename, last_value from pg_sequences"
                        + " where schemaname = current_schema() and last_value is not null order by sequencename")) {
            while (rs.next()) {
                values.put(rs.getString(1), rs.getLong(2));
            }
        }
        return values;
    }

    /** Tables ordered so that every table comes after the tables its foreign keys point at. */
    private static List<String> loadOrder(Connection connection, Set<String> tables) throws SQLException {
        Map<String, Set<String>> references = new HashMap<>();
        tables.forEach(t -> references.put(t, new HashSet<>()));
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("""
                        select c.relname, r.relname from pg_constraint k
                        join pg_class c on c.oid = k.conrelid
                        join pg_class r on r.oid = k.confrelid
                        join pg_namespace n on n.oid = c.relnamespace
                        where k.contype = 'f' and n.nspname = current_schema()""")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String referenced = rs.getString(2);
                if (references.containsKey(table) && tables.contains(referenced) && !table.equals(referenced)) {
                    references.get(table).add(referenced);
                }
            }
        }
        Set<String> ordered = new LinkedHashSet<>();
        for (String table : tables) {
            visit(table, references, ordered, new ArrayDeque<>());
        }
        return List.copyOf(ordered);
    }

    private static void visit(
            String table, Map<String, Set<String>> references, Set<String> ordered, Deque<String> path) {
        if (ordered.contains(table)) {
            return;
        }
        if (path.contains(table)) {
            throw new IllegalStateException(
                    "foreign keys form a cycle through " + table + "; the restore cannot order its tables");
        }
        path.push(table);
        for (String referenced : references.get(table).stream().sorted().toList()) {
            visit(referenced, references, ordered, path);
        }
        path.pop();
        ordered.add(table);
    }

    private static String columnList(List<String> columns) {
        return String.join(", ", columns.stream().map(DatabaseDump::quote).toList());
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
