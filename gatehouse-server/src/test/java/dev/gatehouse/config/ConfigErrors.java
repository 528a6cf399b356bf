package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts the shape every config error must have: one line naming file and key, with a fix. */
final class ConfigErrors {
  private ConfigErrors() {}

  /**
   * Runs {@code call}, expects a {@link ConfigException} for {@code file} and {@code key} whose message contains
   * {@code hint}, and returns it.
   */
  static ConfigException expectError(ThrowingCallable call, String file, String key, String hint) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(ConfigException.class);
    ConfigException e = (ConfigException) thrown;
    assertThat(e.source()).as("file of: %s", e.getMessage()).isEqualTo(file);
    assertThat(e.key()).as("key of: %s", e.getMessage()).isEqualTo(key);
    String prefix = key == null ? file + ": " : file + ": " + key + ": ";
    assertThat(e.getMessage()).startsWith(prefix).contains(hint).doesNotContain("\n").doesNotContain("\r");
    // Every message ends with the fix, in parentheses.
    assertThat(e.getMessage()).containsPattern("\\(.+\\)");
    return e;
  }

  /** Asserts that neither {@code e} nor any exception it carries quotes {@code secret}. */
  static void assertNotQuoted(Throwable e, String secret) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
      assertThat(t.toString()).doesNotContain(secret);
      for (Throwable suppressed : t.getSuppressed()) {
        assertNotQuoted(suppressed, secret);
      }
    }
  }
}
