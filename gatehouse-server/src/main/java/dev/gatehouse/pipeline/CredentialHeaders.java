package dev.gatehouse.pipeline;

import java.util.Iterator;

/**
 * A call's credential headers as it presented them ({@code authorization} and the extra header, Temporal's
 * {@code authHeaderName} and {@code authExtraHeaderName}): the first value of each, and whether either came more than
 * once, which makes the call's identity ambiguous (the pipeline refuses it rather than pick one). Every face reads
 * its headers into this one shape, so they agree on what "more than once" means.
 *
 * @param token the first value of the token header, or null
 * @param extra the first value of the extra header, or null
 * @param ambiguous true when either header came more than once
 */
public record CredentialHeaders(String token, String extra, boolean ambiguous) {
  /** From each header's values as the transport gives them (null when the header is absent). */
  public static CredentialHeaders of(Iterable<String> tokens, Iterable<String> extras) {
    return new CredentialHeaders(first(tokens), first(extras), repeated(tokens) || repeated(extras));
  }

  private static String first(Iterable<String> values) {
    if (values == null) {
      return null;
    }
    Iterator<String> it = values.iterator();
    return it.hasNext() ? it.next() : null;
  }

  private static boolean repeated(Iterable<String> values) {
    if (values == null) {
      return false;
    }
    Iterator<String> it = values.iterator();
    if (!it.hasNext()) {
      return false;
    }
    it.next();
    return it.hasNext();
  }
}
