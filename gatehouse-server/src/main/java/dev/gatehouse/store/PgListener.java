package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on PostgreSQL's {@code gatehouse_store} channel on a connection of its own (outside the pool: it is held
 * for as long as the store is open) and announces the version each notification carries. When the connection
 * drops it reconnects; meanwhile the poll of the counter keeps replicas current.
 */
final class PgListener implements AutoCloseable {
  static final String CHANNEL = "gatehouse_store";
  private static final Logger log = LoggerFactory.getLogger(AccountStore.class);
  private static final int WAIT_MILLIS = 250;

  /** Opens a new connection to the store's database. */
  interface Connector {
    Connection connect() throws SQLException;
  }

  private final Connector connector;
  private final ChangeFeed feed;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean closed;

  PgListener(Connector connector, ChangeFeed feed) {
    this.connector = connector;
    this.feed = feed;
    this.thread = new Thread(this::run, "gatehouse-store-listen");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    boolean warned = false;
    while (!closed) {
      try (Connection c = connector.connect()) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + CHANNEL);
        }
        if (warned) {
          log.info("store: listening for changes again");
          warned = false;
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          if (notifications == null) {
            continue;
          }
          for (PGNotification n : notifications) {
            try {
              feed.announce(Long.parseLong(n.getParameter()));
            } catch (NumberFormatException e) {
              // Not ours: only the store notifies on this channel, with a version.
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        if (!warned) {
          log.warn("store: the change notification connection failed (SQLState {}); polling the change counter"
              + " until it is back", e instanceof SQLException s ? s.getSQLState() : e.getClass().getSimpleName());
          warned = true;
        }
        try {
          closing.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    closing.countDown();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
