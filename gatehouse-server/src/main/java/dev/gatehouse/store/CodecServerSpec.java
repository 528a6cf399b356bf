package dev.gatehouse.store;

/**
 * A namespace's codec server settings for the Web UI and CLI. Cloud's {@code namespace.v1.CodecServerSpec}.
 *
 * @param endpoint the codec server's URL, or {@code null} for Gatehouse's own
 * @param passAccessToken whether the UI sends the user's access token to it
 * @param includeCrossOriginCredentials whether the UI sends cookies cross-origin
 */
public record CodecServerSpec(String endpoint, boolean passAccessToken, boolean includeCrossOriginCredentials) {}
