package dev.gatehouse.webui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ui-server's {@code GET /api/v1/settings} answer ({@code SettingsResponse}, PascalCase), the UI's only
 * configuration. Fixed for the life of the server, so it is written once.
 */
final class Settings {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Settings() {}

  /**
   * @param authEnabled whether the UI must sign in (always, except a UI without any sign-in)
   * @param defaultNamespace the namespace the UI opens first
   * @param codecEndpoint the codec server's base URL, or {@code null} for none
   */
  static String json(boolean authEnabled, String defaultNamespace, URI codecEndpoint, boolean passAccessToken,
      boolean includeCredentials, String version) {
    Map<String, Object> auth = new LinkedHashMap<>();
    auth.put("Enabled", authEnabled);
    auth.put("Options", List.of());
    // Straight to /auth/sso: there is one provider, so the UI's own login page would be one more click.
    auth.put("RedirectToProvider", authEnabled);
    Map<String, Object> codec = new LinkedHashMap<>();
    codec.put("Endpoint", codecEndpoint == null ? "" : normalize(codecEndpoint.toString()));
    codec.put("PassAccessToken", passAccessToken);
    codec.put("IncludeCredentials", includeCredentials);
    codec.put("DefaultErrorMessage", "");
    codec.put("DefaultErrorLink", "");
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Auth", auth);
    s.put("BannerText", "");
    s.put("DefaultNamespace", defaultNamespace);
    s.put("ShowTemporalSystemNamespace", false);
    s.put("FeedbackURL", "");
    s.put("NotifyOnNewVersion", false);
    s.put("Codec", codec);
    s.put("Version", version);
    s.put("DisableWriteActions", false);
    s.put("WorkflowTerminateDisabled", false);
    s.put("WorkflowCancelDisabled", false);
    s.put("WorkflowSignalDisabled", false);
    s.put("WorkflowUpdateDisabled", false);
    s.put("WorkflowResetDisabled", false);
    s.put("WorkflowPauseDisabled", false);
    s.put("BatchActionsDisabled", false);
    s.put("StartWorkflowDisabled", false);
    s.put("HideWorkflowQueryErrors", false);
    s.put("RefreshWorkflowCountsDisabled", false);
    s.put("ActivityCommandsDisabled", false);
    s.put("NavCollapsedByDefault", false);
    // The UI would fetch news from temporal.io; a gateway's UI makes no third-party calls.
    s.put("DisableNewsFetch", true);
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the settings", e);
    }
  }

  /** Without trailing slashes: the UI appends {@code /decode}, and {@code //decode} is not a route. */
  static String normalize(String endpoint) {
    String e = endpoint.strip();
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    return e;
  }
}
