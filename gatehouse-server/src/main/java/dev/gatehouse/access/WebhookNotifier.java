package dev.gatehouse.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.store.ElevatedGrant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a webhook about grants: requests awaiting approval, approvals (by a person, a policy, break-glass),
 * denials, revocations and expiries, as one JSON object per event, POSTed asynchronously. Never blocks the call
 * that caused the event: at most {@link #MAX_IN_FLIGHT} posts are outstanding, past that events are dropped (and
 * logged; the audit log has them all). A failed post is logged, not retried.
 */
public final class WebhookNotifier implements GrantEvent.Listener {
  private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
  static final int MAX_IN_FLIGHT = 64;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final HttpClient client;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

  public WebhookNotifier(URI url) {
    this.url = Objects.requireNonNull(url);
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException("the access webhook must be an http(s) URL, e.g. https://chat.example/hook");
    }
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public void on(GrantEvent event) {
    if (!inFlight.tryAcquire()) {
      log.warn("access webhook: {} posts outstanding, event {} of grant {} not sent", MAX_IN_FLIGHT,
          event.kind().wireName(), event.grant().id());
      return;
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(body(event));
    } catch (java.io.IOException e) {
      inFlight.release();
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
      inFlight.release();
      if (failure != null) {
        log.warn("access webhook: event {} of grant {} not delivered: {}", event.kind().wireName(),
            event.grant().id(), failure.getClass().getSimpleName());
      } else if (response.statusCode() / 100 != 2) {
        log.warn("access webhook: event {} of grant {} answered HTTP {}", event.kind().wireName(),
            event.grant().id(), response.statusCode());
      }
    });
  }

  static ObjectNode body(GrantEvent event) {
    ElevatedGrant g = event.grant();
    ObjectNode n = JSON.createObjectNode();
    n.put("event", event.kind().wireName());
    n.put("breakGlass", g.breakGlass());
    n.put("awaitingApproval", g.state() == ElevatedGrant.State.REQUESTED);
    n.put("grantId", g.id());
    n.put("principalId", g.principalId());
    if (g.isNamespaceGrant()) {
      n.put("namespace", g.namespace());
      n.put("permission", g.permission().name().toLowerCase(Locale.ROOT));
    } else {
      n.put("accountRole", dev.gatehouse.auth.CloudAccessPolicy.wireName(g.accountRole()));
    }
    n.put("durationSeconds", g.durationSeconds());
    n.put("state", g.state().name().toLowerCase(Locale.ROOT));
    n.put("justification", g.justification());
    n.put("ticket", g.ticket());
    n.put("decidedBy", g.decidedBy());
    n.put("actor", event.actor().subject() == null ? "" : event.actor().subject());
    if (g.expire() != null) {
      n.put("expireTime", g.expire().toString());
    }
    n.put("summary", GrantAudit.story(event));
    return n;
  }

  @Override
  public String toString() {
    return "access webhook " + url.getHost();
  }
}
