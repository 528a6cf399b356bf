package dev.gatehouse.webui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ui-server's download route, {@code GET /api/v1/namespaces/{ns}/workflows/{wf}/run/{run}/history.json}: every
 * page of the run's history as one JSON array of events. Each page is an ordinary
 * {@code GET .../workflows/{wf}/history} call handed to the API face with the caller's own headers, so each is
 * identified, authorized and audited as the caller's GetWorkflowExecutionHistory; a refusal is passed on as is.
 */
final class HistoryDownload {
  private static final Logger log = LoggerFactory.getLogger(HistoryDownload.class);
  private static final Pattern ROUTE =
      Pattern.compile("/api/v1/namespaces/([^/?]+)/workflows/([^/?]+)/run/([^/?]+)/history\\.json");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The download is assembled in memory: bounded, for an authenticated caller. */
  static final long MAX_BYTES = 64L * 1024 * 1024;
  static final int MAX_PAGES = 10_000;

  private HistoryDownload() {}

  /** The raw (still percent-encoded) path's route values, or {@code null} when it is not this route. */
  static String[] match(String rawPath) {
    Matcher m = ROUTE.matcher(rawPath == null ? "" : rawPath);
    if (!m.matches()) {
      return null;
    }
    String[] values = {m.group(1), m.group(2), m.group(3)};
    for (String v : values) {
      // Dot segments would change the page path's meaning once it is normalized.
      if (v.equals(".") || v.equals("..") || v.equalsIgnoreCase("%2e") || v.equalsIgnoreCase("%2e%2e")) {
        return null;
      }
    }
    return values;
  }

  static void serve(Handler api, Request request, Response response, Callback callback, String[] route) {
    new Download(api, request, response, callback, route).page(null);
  }

  private static final class Download {
    private final Handler api;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String[] route;
    private final ArrayNode events = JSON.createArrayNode();
    private long bytes;
    private int pages;

    Download(Handler api, Request request, Response response, Callback callback, String[] route) {
      this.api = api;
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.route = route;
    }

    void page(String nextPageToken) {
      String pathQuery = "/api/v1/namespaces/" + route[0] + "/workflows/" + route[1] + "/history?execution.runId="
          + route[2] + (nextPageToken == null ? ""
              : "&nextPageToken=" + URLEncoder.encode(nextPageToken, StandardCharsets.UTF_8));
      HttpURI uri = HttpURI.build(request.getHttpURI()).pathQuery(pathQuery).asImmutable();
      Request pageRequest = new Request.Wrapper(request) {
        @Override
        public HttpURI getHttpURI() {
          return uri;
        }
      };
      Captured captured = new Captured(pageRequest, response);
      Callback done = Callback.from(() -> received(captured), failure -> {
        log.warn("web UI history download failed: {}", failure.getClass().getName());
        WebUiHandler.apiError(response, callback, 500, 13, "history download failed");
      });
      try {
        if (!api.handle(pageRequest, captured, done)) {
          WebUiHandler.apiError(response, callback, 404, 5, "not found");
        }
      } catch (Exception e) {
        log.warn("web UI history download failed: {}", e.getClass().getName());
        WebUiHandler.apiError(response, callback, 500, 13, "history download failed");
      }
    }

    private void received(Captured page) {
      byte[] body = page.body.toByteArray();
      if (page.status != 200) {
        // The API's own refusal or error, unchanged: status, shape and message.
        response.setStatus(page.status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
        return;
      }
      bytes += body.length;
      pages++;
      JsonNode json;
      try {
        json = JSON.readTree(body);
      } catch (Exception e) {
        WebUiHandler.apiError(response, callback, 502, 13, "history page could not be read");
        return;
      }
      JsonNode pageEvents = json.path("history").path("events");
      if (pageEvents.isArray()) {
        pageEvents.forEach(events::add);
      }
      String next = json.path("nextPageToken").asText("");
      if (!next.isEmpty() && (bytes > MAX_BYTES || pages >= MAX_PAGES)) {
        WebUiHandler.apiError(response, callback, 413, 8, "history too large to download in one file");
        return;
      }
      if (!next.isEmpty()) {
        page(next);
        return;
      }
      byte[] out;
      try {
        out = JSON.writeValueAsBytes(events);
      } catch (Exception e) {
        WebUiHandler.apiError(response, callback, 500, 13, "history download failed");
        return;
      }
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION,
          "attachment; filename=\"history.json\"");
      response.write(true, ByteBuffer.wrap(out), callback);
    }
  }

  /** A response the API writes one page into, kept here instead of sent. */
  private static final class Captured extends Response.Wrapper {
    private final HttpFields.Mutable headers = HttpFields.build();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status = 200;

    Captured(Request request, Response real) {
      super(request, real);
    }

    @Override
    public int getStatus() {
      return status;
    }

    @Override
    public void setStatus(int code) {
      status = code;
    }

    @Override
    public HttpFields.Mutable getHeaders() {
      return headers;
    }

    @Override
    public boolean isCommitted() {
      return false;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
      if (content != null && content.hasRemaining()) {
        if (body.size() + (long) content.remaining() > MAX_BYTES) {
          callback.failed(new IllegalStateException("history page too large"));
          return;
        }
        byte[] b = new byte[content.remaining()];
        content.get(b);
        body.writeBytes(b);
      }
      callback.succeeded();
    }
  }
}
