package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLParameters;

/**
 * Ships records to an HTTP collector: Splunk HEC, Elasticsearch {@code _bulk}, or any endpoint that takes JSON lines.
 *
 * <p>{@link #write} appends the batch to a local spool and fsyncs it; that is its confirmation to the broker, so a
 * slow or absent collector never holds up calls. A thread of the sink's own sends spooled batches in order, one
 * request per batch of up to {@link Builder#maxBatchRecords} records, retries a failed request with capped,
 * jittered exponential backoff, and removes a batch from the spool once the collector answered 2xx (for
 * Elasticsearch: and the bulk response reports no failed item). The spool survives restarts. Delivery is
 * at-least-once: a batch is sent again only if Gatehouse stops between the collector's answer and the spool's
 * update, or when Elasticsearch rejected some of its items (re-indexing under the same {@code _id}, the record's
 * {@code log_id}, is idempotent there). When the spool holds {@link Builder#maxSpoolBytes} undelivered bytes,
 * {@link #write} fails and the broker counts this sink as failing until the collector catches up.
 *
 * <p>Header values (tokens) are sent, never logged nor put in exception messages.
 */
public final class HttpSink implements AuditSink {
  private static final int MAX_RESPONSE_BYTES = 4 << 20;
  private static final JsonFactory JSON = new JsonFactory();

  /** The collector's body format. */
  public enum Format {
    /** Splunk HTTP Event Collector: {@code /services/collector/event}, {@code Authorization: Splunk <token>}. */
    SPLUNK("/services/collector/event", "application/json"),
    /** Elasticsearch (or OpenSearch) {@code _bulk}: an {@code index} action per record, {@code _id} = log_id. */
    ELASTICSEARCH("/_bulk", "application/x-ndjson"),
    /** One record per line, as written. */
    JSONL("", "application/x-ndjson");

    private final String defaultPath;
    private final String contentType;

    Format(String defaultPath, String contentType) {
      this.defaultPath = defaultPath;
      this.contentType = contentType;
    }

    /** {@code splunk}, {@code elasticsearch} or {@code jsonl}, as in {@code audit.sinks[].format}. */
    public static Format of(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "splunk" -> SPLUNK;
        case "elasticsearch" -> ELASTICSEARCH;
        case "jsonl" -> JSONL;
        default -> throw new IllegalArgumentException("unknown format " + name + " (splunk, elasticsearch, jsonl)");
      };
    }
  }

  private final String name;
  private final Format format;
  private final URI uri;
  private final byte[] host;
  private final byte[] index;
  private final Map<String, String> headers;
  private final Duration requestTimeout;
  private final HttpClient client;
  private final SpoolShipper shipper;

  private HttpSink(Builder b) throws IOException {
    this.name = b.name;
    this.format = b.format;
    this.uri = endpoint(b.url, b.format);
    this.host = quoted(b.node);
    this.index = b.index == null ? null : quoted(b.index);
    Map<String, String> h = new LinkedHashMap<>(b.headers);
    if (b.token != null) {
      h.put("Authorization", switch (b.format) {
        case SPLUNK -> "Splunk " + b.token;
        case ELASTICSEARCH -> "ApiKey " + b.token;
        case JSONL -> "Bearer " + b.token;
      });
    }
    this.headers = Map.copyOf(h);
    this.requestTimeout = b.requestTimeout;
    HttpClient.Builder cb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER);
    if ("https".equalsIgnoreCase(uri.getScheme())) {
      SSLParameters params = new SSLParameters();
      params.setProtocols(b.protocols);
      cb.sslContext(CollectorTls.context(b.caFile)).sslParameters(params);
    }
    this.client = cb.build();
    try {
      this.shipper = new SpoolShipper(name, b.spoolDir, b.maxSpoolBytes, new Transport(), b.backoff,
          b.maxBatchRecords, b.meters);
    } catch (IOException | RuntimeException e) {
      client.shutdownNow();
      throw e;
    }
  }

  /** A sink posting to {@code url} in {@code format}, spooling in {@code spoolDir} (one folder per sink). */
  public static Builder builder(URI url, Format format, Path spoolDir) {
    return new Builder(url, format, spoolDir);
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
      client.shutdownNow();
    }
  }

  /** Bytes spooled and not yet confirmed by the collector. */
  public long spooledBytes() {
    return shipper.spooledBytes();
  }

  @Override
  public String toString() {
    // Scheme, host, port and path only: a query string may carry a token.
    return "HttpSink[" + name + ", " + format.name().toLowerCase(Locale.ROOT) + ", " + uri.getScheme() + "://"
        + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + uri.getRawPath() + "]";
  }

  private static URI endpoint(URI url, Format format) {
    String scheme = url.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || url.getHost() == null) {
      throw new IllegalArgumentException("the collector URL must be http:// or https:// with a host");
    }
    if (url.getUserInfo() != null) {
      throw new IllegalArgumentException("put collector credentials in headers or tokenEnv, not in the URL");
    }
    String path = url.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      return url.resolve(format.defaultPath.isEmpty() ? "/" : format.defaultPath);
    }
    return url;
  }

  private static byte[] quoted(String s) {
    byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(s);
    byte[] out = new byte[inner.length + 2];
    out[0] = '"';
    System.arraycopy(inner, 0, out, 1, inner.length);
    out[out.length - 1] = '"';
    return out;
  }

  /** The request body for {@code entries}; each record's bytes appear unchanged. */
  byte[] body(List<AuditEntry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (AuditEntry e : entries) {
      switch (format) {
        case SPLUNK -> {
          out.writeBytes(ascii("{\"time\":" + (e.emitEpochMillis() / 1000) + "."
              + String.format("%03d", e.emitEpochMillis() % 1000) + ",\"host\":"));
          out.writeBytes(host);
          if (index != null) {
            out.writeBytes(ascii(",\"index\":"));
            out.writeBytes(index);
          }
          out.writeBytes(ascii(",\"source\":\"gatehouse\",\"sourcetype\":\"gatehouse:audit\",\"event\":"));
          out.writeBytes(e.line());
          out.writeBytes(ascii("}\n"));
        }
        case ELASTICSEARCH -> {
          out.writeBytes(ascii("{\"index\":{\"_index\":"));
          out.writeBytes(index);
          out.writeBytes(ascii(",\"_id\":"));
          out.writeBytes(quoted(e.logId()));
          out.writeBytes(ascii("}}\n"));
          out.writeBytes(e.line());
          out.write('\n');
        }
        case JSONL -> {
          out.writeBytes(e.line());
          out.write('\n');
        }
      }
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Throws unless an Elasticsearch bulk response reports every item indexed. */
  static void checkBulkResponse(byte[] body) throws IOException {
    boolean errors = false;
    boolean sawErrors = false;
    int failed = 0;
    String firstType = null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("elasticsearch answered with something that is not a bulk response");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("errors")) {
          sawErrors = true;
          errors = value == JsonToken.VALUE_TRUE;
        } else if (field.equals("items") && value == JsonToken.START_ARRAY) {
          // [{"index": {"status": 201, ...}}, ...]
          while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              p.nextToken();
              int status = 0;
              String type = null;
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (f.equals("status") && v == JsonToken.VALUE_NUMBER_INT) {
                  status = p.getIntValue();
                } else if (f.equals("error") && v == JsonToken.START_OBJECT) {
                  while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String ef = p.currentName();
                    p.nextToken();
                    if (ef.equals("type") && p.currentToken() == JsonToken.VALUE_STRING) {
                      type = p.getText();
                    } else {
                      p.skipChildren();
                    }
                  }
                } else {
                  p.skipChildren();
                }
              }
              if (status < 200 || status >= 300) {
                failed++;
                if (firstType == null) {
                  firstType = type == null ? "status " + status : type;
                }
              }
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    if (!sawErrors) {
      throw new IOException("elasticsearch answered without the bulk response's errors flag");
    }
    if (errors || failed > 0) {
      // Only the error type: an item's reason may quote the record.
      throw new IOException("elasticsearch rejected " + failed + " item(s) of the bulk request (first: "
          + firstType + "); the batch is sent again");
    }
  }

  private final class Transport implements SpoolShipper.Transport {
    private volatile CompletableFuture<?> inFlight;

    @Override
    public void send(List<AuditEntry> entries) throws IOException {
      HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(requestTimeout)
          .header("Content-Type", format.contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body(entries)));
      headers.forEach(rb::header);
      CompletableFuture<HttpResponse<byte[]>> f = client.sendAsync(rb.build(), info -> new Bounded());
      inFlight = f;
      HttpResponse<byte[]> response;
      try {
        // The request timeout covers the whole exchange, body included, not only the response head.
        response = f.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        throw new HttpTimeoutException("the collector did not answer within " + requestTimeout);
      } catch (InterruptedException e) {
        f.cancel(true);
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
      } finally {
        inFlight = null;
      }
      int status = response.statusCode();
      byte[] body = response.body();
      if (status < 200 || status >= 300) {
        throw new IOException("the collector answered HTTP " + status + snippet(body));
      }
      if (format == Format.ELASTICSEARCH) {
        if (body == null) {
          throw new IOException("elasticsearch's bulk response was larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
        checkBulkResponse(body);
      }
    }

    @Override
    public void close() {
      CompletableFuture<?> f = inFlight;
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  /** Up to 200 printable characters of an error answer (Splunk says what is wrong: "Invalid token" and so on). */
  private static String snippet(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    return ": " + text.replaceAll("[^\\x20-\\x7e]", " ").strip();
  }

  /** Collects a response body up to {@link #MAX_RESPONSE_BYTES}; beyond that, the body is null. */
  private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean tooLarge;

    @Override
    public CompletableFuture<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        if (!tooLarge && bytes.size() + b.remaining() <= MAX_RESPONSE_BYTES) {
          byte[] chunk = new byte[b.remaining()];
          b.get(chunk);
          bytes.writeBytes(chunk);
        } else {
          tooLarge = true;
          b.position(b.limit());
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(tooLarge ? null : bytes.toByteArray());
    }
  }

  /** Assembles an {@link HttpSink}. */
  public static final class Builder extends SpoolingSinkBuilder<Builder> {
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "connection",
        "expect", "upgrade", "transfer-encoding");

    private final URI url;
    private final Format format;
    private String index;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String token;
    private Duration requestTimeout = Duration.ofSeconds(30);

    @Override
    Builder self() {
      return this;
    }

    private Builder(URI url, Format format, Path spoolDir) {
      super(spoolDir, "http");
      this.url = Objects.requireNonNull(url, "url");
      this.format = Objects.requireNonNull(format, "format");
    }

    /** The Elasticsearch index (required for that format); for Splunk, the optional {@code index} field. */
    public Builder index(String index) {
      this.index = index;
      return this;
    }

    /** An extra request header, e.g. a collector's own auth header. Values are never logged. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name);
      Objects.requireNonNull(value);
      if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("the header " + name + " is set by the sink");
      }
      headers.put(name, value);
      return this;
    }

    /** Extra request headers; see {@link #header}. */
    public Builder headers(Map<String, String> values) {
      values.forEach(this::header);
      return this;
    }

    /**
     * The collector's token, sent as {@code Authorization: Splunk <token>} (splunk), {@code ApiKey <token>}
     * (elasticsearch) or {@code Bearer <token>} (jsonl); replaces an {@code Authorization} header.
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** The whole exchange of one request, answer included; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * Opens the spool (delivering what a previous run left in it) and starts the shipping thread.
     *
     * @throws IOException when the spool folder or the CA file cannot be used
     */
    public HttpSink build() throws IOException {
      if (format == Format.ELASTICSEARCH && (index == null || index.isEmpty())) {
        throw new IllegalArgumentException("the elasticsearch format needs an index");
      }
      return new HttpSink(this);
    }

  }
}
