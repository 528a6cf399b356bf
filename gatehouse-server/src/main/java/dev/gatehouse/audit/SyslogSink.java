package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Ships records to a syslog receiver (a SIEM's collector, rsyslog, syslog-ng) as RFC 5424 messages over TLS with
 * RFC 5425's octet-counting framing ({@code MSG-LEN SP SYSLOG-MSG}), or over plain TCP for a trusted network.
 *
 * <p>Each record is one message: {@code <PRI>1 TIMESTAMP HOSTNAME gatehouse PROCID KIND - RECORD}, where PRI is the
 * facility (default {@code authpriv}, 10: security and authorization messages, which receivers keep apart from
 * ordinary logs) times 8 plus the severity: notice (5), or warning (4) when the record's {@code decision} is
 * {@code deny}. TIMESTAMP is the record's {@code emit_time} in UTC with milliseconds, HOSTNAME the node id, PROCID
 * the process id, MSGID the record's kind ({@code decision}, {@code completion}, ...), no structured data, and MSG the
 * record's JSON bytes unchanged. By default MSG has no UTF-8 BOM: RFC 5424 §6.4 makes it optional, and JSON parsers
 * at the receiving end (rsyslog's mmjsonparse, Splunk, Elastic) expect the record to start with {@code &#123;}; turn
 * it on with {@link Builder#bom} for receivers that need it to treat MSG as UTF-8.
 *
 * <p>The same spool-and-ship design as {@link HttpSink}: {@link #write} spools and fsyncs, a thread of the sink's own
 * sends, reconnecting with backoff. RFC 5425 has no acknowledgements, so a batch counts as delivered once written
 * and flushed to the connection; a batch whose write fails is sent again on a new connection (at-least-once), but
 * records still in the socket buffers when a receiver dies can be lost. Use the HTTP sink where that matters.
 * Receivers limit message size (rsyslog: 8 KiB by default, {@code maxMessageSize}); set it above the largest record.
 */
public final class SyslogSink implements AuditSink {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final String[] FACILITIES = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
      "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2",
      "local3", "local4", "local5", "local6", "local7"};
  static final int SEVERITY_WARNING = 4;
  static final int SEVERITY_NOTICE = 5;

  private final String name;
  private final String host;
  private final int port;
  private final boolean tls;
  private final SSLContext sslContext;
  private final String[] protocols;
  private final int facility;
  private final boolean bom;
  private final String hostname;
  private final String procId;
  private final Duration connectTimeout;
  private final Duration writeTimeout;
  private final ScheduledExecutorService watchdog;
  private final SpoolShipper shipper;

  private SyslogSink(Builder b) throws IOException {
    this.name = b.name;
    this.host = b.host;
    this.port = b.port;
    this.tls = b.tls;
    this.sslContext = b.tls ? CollectorTls.context(b.caFile) : null;
    this.protocols = b.protocols;
    this.facility = b.facility;
    this.bom = b.bom;
    this.hostname = field(b.node, 255);
    this.procId = field(Long.toString(ProcessHandle.current().pid()), 128);
    this.connectTimeout = b.connectTimeout;
    this.writeTimeout = b.writeTimeout;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-audit-syslog-watchdog-" + b.name);
      t.setDaemon(true);
      return t;
    });
    try {
      this.shipper = new SpoolShipper(name, b.spoolDir, b.maxSpoolBytes, new Transport(), b.backoff,
          b.maxBatchRecords, b.meters);
    } catch (IOException | RuntimeException e) {
      watchdog.shutdownNow();
      throw e;
    }
  }

  /** A sink sending to {@code host:port}, spooling in {@code spoolDir} (one folder per sink). */
  public static Builder builder(String host, int port, Path spoolDir) {
    return new Builder(host, port, spoolDir);
  }

  @Override
  public String name() {
    return name;
  }

  /** Spools the batch (fsync'd); the sink's own thread sends it. Throws when the spool is full or unwritable. */
  @Override
  public void write(List<AuditEntry> batch) throws IOException {
    shipper.write(batch);
  }

  /** Stops shipping and closes the spool; what is undelivered is sent after the next start. */
  @Override
  public void close() throws IOException {
    try {
      shipper.close();
    } finally {
      watchdog.shutdownNow();
    }
  }

  /** Bytes spooled and not yet written to the receiver. */
  public long spooledBytes() {
    return shipper.spooledBytes();
  }

  @Override
  public String toString() {
    return "SyslogSink[" + name + ", " + (tls ? "tls://" : "tcp://") + host + ":" + port + "]";
  }

  /** One record, framed: {@code MSG-LEN SP SYSLOG-MSG}. */
  byte[] frame(AuditEntry e) {
    int severity = denied(e.line()) ? SEVERITY_WARNING : SEVERITY_NOTICE;
    String header = "<" + (facility * 8 + severity) + ">1 " + TIMESTAMP.format(java.time.Instant.ofEpochMilli(
        e.emitEpochMillis())) + " " + hostname + " gatehouse " + procId + " " + field(e.kind(), 32) + " - ";
    byte[] head = header.getBytes(StandardCharsets.US_ASCII);
    int length = head.length + (bom ? BOM.length : 0) + e.line().length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 8);
    out.writeBytes((length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(head);
    if (bom) {
      out.writeBytes(BOM);
    }
    out.writeBytes(e.line());
    return out.toByteArray();
  }

  /** True when the record's {@code raw_details.decision} is {@code deny}. */
  static boolean denied(byte[] line) {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("raw_details") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("decision")) {
              return v == JsonToken.VALUE_STRING && p.getText().equals("deny");
            }
            p.skipChildren();
          }
          return false;
        }
        p.skipChildren();
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** An RFC 5424 header field: printable US-ASCII without spaces, at most {@code max} characters, else "-". */
  static String field(String value, int max) {
    StringBuilder b = new StringBuilder(Math.min(value.length(), max));
    for (int i = 0; i < value.length() && b.length() < max; i++) {
      char c = value.charAt(i);
      b.append(c > 32 && c < 127 ? c : '_');
    }
    return b.isEmpty() ? "-" : b.toString();
  }

  /** The facility number for a name ({@code authpriv}, {@code local0}, ...) or a number 0-23. */
  static int facility(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (int i = 0; i < FACILITIES.length; i++) {
      if (FACILITIES[i].equals(v)) {
        return i;
      }
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 0 && n < FACILITIES.length) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // Fall through to the error.
    }
    throw new IllegalArgumentException("unknown syslog facility " + value + " (a name such as authpriv or local0, "
        + "or 0-23)");
  }

  private final class Transport implements SpoolShipper.Transport {
    private volatile Socket socket;
    private OutputStream out;

    @Override
    public void send(List<AuditEntry> entries) throws IOException {
      if (socket != null && peerClosed()) {
        drop();
      }
      if (socket == null) {
        connect();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (AuditEntry e : entries) {
        bytes.writeBytes(frame(e));
      }
      Socket s = socket;
      // A receiver that stops reading would block the write for good; closing the socket ends it.
      ScheduledFuture<?> guard = watchdog.schedule(() -> quietClose(s), writeTimeout.toMillis(),
          TimeUnit.MILLISECONDS);
      try {
        out.write(bytes.toByteArray());
        out.flush();
      } catch (IOException | RuntimeException e) {
        drop();
        if (guard.isDone()) {
          throw new SocketTimeoutException("the syslog receiver did not take the batch within " + writeTimeout);
        }
        throw e;
      } finally {
        guard.cancel(false);
      }
    }

    private void connect() throws IOException {
      Socket s = tls ? sslContext.getSocketFactory().createSocket() : new Socket();
      try {
        s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        if (s instanceof SSLSocket ssl) {
          SSLParameters params = ssl.getSSLParameters();
          params.setProtocols(protocols);
          params.setEndpointIdentificationAlgorithm("HTTPS");
          if (!host.isEmpty() && !Character.isDigit(host.charAt(0)) && !host.contains(":")) {
            params.setServerNames(List.of(new SNIHostName(host)));
          }
          ssl.setSSLParameters(params);
          ssl.setSoTimeout((int) connectTimeout.toMillis());
          ssl.startHandshake();
        }
        out = s.getOutputStream();
        socket = s;
      } catch (IOException | RuntimeException e) {
        quietClose(s);
        throw e;
      }
    }

    /**
     * A receiver that closed the connection (restarted, idle timeout): a write would vanish into it, since TCP
     * reports the closed end only to a later write, so reconnect first. Receivers never send on this connection.
     */
    private boolean peerClosed() {
      try {
        Socket s = socket;
        s.setSoTimeout(1);
        InputStream in = s.getInputStream();
        return in.read() < 0;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }

    private void drop() {
      Socket s = socket;
      socket = null;
      out = null;
      if (s != null) {
        quietClose(s);
      }
    }

    @Override
    public void close() {
      Socket s = socket;
      if (s != null) {
        quietClose(s);
      }
    }
  }

  private static void quietClose(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }

  /** Assembles a {@link SyslogSink}. */
  public static final class Builder extends SpoolingSinkBuilder<Builder> {
    private final String host;
    private final int port;
    private boolean tls = true;
    private int facility = 10;
    private boolean bom;
    private Duration writeTimeout = Duration.ofSeconds(30);

    @Override
    Builder self() {
      return this;
    }

    private Builder(String host, int port, Path spoolDir) {
      super(spoolDir, "syslog");
      this.host = Objects.requireNonNull(host, "host");
      if (host.isEmpty() || port < 1 || port > 65535) {
        throw new IllegalArgumentException("the syslog address needs a host and a port 1-65535");
      }
      this.port = port;
    }

    /** A sink for {@code host:port} ({@code [v6]:port} for IPv6 literals). */
    public static Builder forAddress(String address, Path spoolDir) {
      int colon = address.lastIndexOf(':');
      if (colon <= 0 || colon == address.length() - 1) {
        throw new IllegalArgumentException("the syslog address must be host:port");
      }
      String h = address.substring(0, colon);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      int p;
      try {
        p = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the syslog address must be host:port");
      }
      return new Builder(h, p, spoolDir);
    }

    /** TLS (RFC 5425, the default) or plain TCP (RFC 6587 octet counting; trusted networks only). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** A facility name ({@code authpriv}, {@code auth}, {@code local0}..{@code local7}, ...) or number 0-23. */
    public Builder facility(String facility) {
      this.facility = SyslogSink.facility(facility);
      return this;
    }

    /** Start MSG with a UTF-8 BOM (RFC 5424 §6.4); default off. */
    public Builder bom(boolean bom) {
      this.bom = bom;
      return this;
    }

    /** How long one batch's write may block on a receiver that does not read; default 30 s. */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = positive(timeout, "writeTimeout");
      return this;
    }

    /**
     * Opens the spool (delivering what a previous run left in it) and starts the shipping thread.
     *
     * @throws IOException when the spool folder or the CA file cannot be used
     */
    public SyslogSink build() throws IOException {
      return new SyslogSink(this);
    }

  }
}
