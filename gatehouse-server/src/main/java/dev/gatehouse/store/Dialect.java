package dev.gatehouse.store;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** What differs between the two databases the store runs on. */
enum Dialect {
  SQLITE("sqlite", "MAX"),
  POSTGRESQL("postgresql", "GREATEST");

  /** The folder of this database's migrations under {@code db/migration}. */
  final String folder;
  private final String greatest;

  Dialect(String folder, String greatest) {
    this.folder = folder;
    this.greatest = greatest;
  }

  static Dialect of(String url) {
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new StoreException(StoreException.Reason.UNAVAILABLE,
        "store.url must be a jdbc:postgresql: or jdbc:sqlite: URL");
  }

  /** Whether {@code e} is a primary key or unique constraint the write ran into. */
  boolean uniqueViolation(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        if (this == POSTGRESQL && "23505".equals(s.getSQLState())) {
          return true;
        }
        if (this == SQLITE && s instanceof SQLiteException l
            && (l.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                || l.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The SQL function that takes the larger of two values. */
  String greatest() {
    return greatest;
  }

  /** Records a key's last use, keeping the later one, only while the key exists. */
  String recordUse() {
    return "INSERT INTO api_key_use (key_id, last_used) SELECT ?, ? WHERE EXISTS"
        + " (SELECT 1 FROM entities WHERE kind = 'apiKey' AND id = ?)"
        + " ON CONFLICT (key_id) DO UPDATE SET last_used = " + greatest
        + "(api_key_use.last_used, excluded.last_used)";
  }
}
