package dev.gatehouse.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Combines claim mappers, and makes the built-in ones, for code that assembles identification itself (a plugin that
 * wraps the built-ins, or {@code Gatehouse.builder().withClaimMapper(..)}).
 *
 * <ul>
 *   <li>{@link #allOf}: every mapper must identify the caller, who gets only the roles all of them grant: defence in
 *       depth, e.g. a workload certificate and a user token. The configuration's {@code claimMapper: a+b}.
 *   <li>{@link #firstOf}: the first mapper that finds credentials it recognises identifies the caller, e.g. "API key,
 *       else JWT, else certificate".
 * </ul>
 *
 * <p>A composite owns its mappers: closing it closes each of them. Every mapper returned is thread-safe if its parts
 * are, and, like its parts, must not block (see {@link ClaimMapper}).
 */
public final class ClaimMappers {
  private ClaimMappers() {}

  /**
   * A mapper that asks every one of {@code mappers} and grants the intersection of what they grant.
   *
   * <p>Each mapper must identify the caller: when one finds no credentials of its kind (returns anonymous), the call
   * is refused with {@link AuthenticationException}, and so it is when one rejects its credentials. In each
   * namespace, the caller's role is the intersection of the mappers' roles (each mapper's system role counting in
   * every namespace), and the system role is the intersection of their system roles. The subject is the first
   * mapper's; {@link Claims#authType()} joins the mappers' auth types with {@code +}. A call without any credentials
   * skips the mapper (the caller is anonymous) unless no member needs credentials.
   *
   * @param mappers at least one mapper; none {@code null}
   */
  public static ClaimMapper allOf(ClaimMapper... mappers) {
    return allOf(List.of(mappers));
  }

  /** {@link #allOf(ClaimMapper...)} over a list. */
  public static ClaimMapper allOf(List<? extends ClaimMapper> mappers) {
    List<ClaimMapper> all = checked(mappers);
    return new AllOfClaimMapper(all, all.stream().map(String::valueOf).toList());
  }

  /**
   * A mapper that asks {@code mappers} in order until one identifies the caller.
   *
   * <ul>
   *   <li>A mapper that returns {@code null} or {@link Claims#anonymous()} found no credentials of its kind: the
   *       next one is asked. When none identifies the caller, the caller is anonymous.
   *   <li>A mapper that throws {@link AuthenticationException} recognised credentials of its kind and rejected them:
   *       the search ends and the call is refused. A bad token never falls through to a weaker credential sent
   *       alongside it. Any other exception refuses the call too.
   *   <li>A mapper that returns claims with a subject identifies the caller, even with no roles.
   *   <li>A mapper whose {@link ClaimMapper#authInfoRequired()} is true is skipped for a call without credentials.
   *       The composite's {@code authInfoRequired()} is true only if every mapper's is.
   * </ul>
   *
   * @param mappers at least one mapper; none {@code null}
   */
  public static ClaimMapper firstOf(ClaimMapper... mappers) {
    return firstOf(List.of(mappers));
  }

  /** {@link #firstOf(ClaimMapper...)} over a list. */
  public static ClaimMapper firstOf(List<? extends ClaimMapper> mappers) {
    return new FirstOfClaimMapper(checked(mappers));
  }

  /**
   * The built-in {@code default} mapper: {@code Bearer} JWTs verified with the keys of
   * {@code jwtKeyProvider.keySourceURIs}, roles from the permissions claim. Loads the keys before returning and
   * refreshes them on {@code context}'s scheduler; close it to stop.
   *
   * @throws dev.gatehouse.config.ConfigException when {@code context.authorization()} is invalid
   */
  public static ClaimMapper jwt(PluginContext context) {
    return new JwtClaimMapper(context);
  }

  /**
   * The built-in {@code mtls} mapper: the verified client certificate, mapped to roles by
   * {@code context.authorization().certificateRules()}. A rule that names no CAs trusts
   * {@code context.tls().frontend().server()}'s client CAs (never a host override's), so give the context the
   * {@code global.tls} section; without one such rules match nothing.
   *
   * @throws dev.gatehouse.config.ConfigException when a rule is invalid
   */
  public static ClaimMapper certificateRules(PluginContext context) {
    return new MtlsClaimMapper(
        context.authorization().certificateRules(), context.origin(), context.tls(), context.scheduler());
  }

  private static List<ClaimMapper> checked(List<? extends ClaimMapper> mappers) {
    List<ClaimMapper> list = List.copyOf(mappers);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("no claim mappers to combine");
    }
    return list;
  }

  /** Closes every mapper even when one fails, then throws the first failure. */
  static void closeAll(List<ClaimMapper> mappers) {
    List<RuntimeException> failures = new ArrayList<>();
    for (ClaimMapper m : mappers) {
      try {
        m.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
