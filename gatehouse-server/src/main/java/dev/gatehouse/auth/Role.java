package dev.gatehouse.auth;

import dev.gatehouse.api.ApiMethod;
import java.util.Locale;

/**
 * A caller's permissions within one context (the whole cluster, or one namespace), as a bitmask of Temporal's roles:
 * {@link #WORKER} = 1, {@link #READER} = 2, {@link #WRITER} = 4, {@link #ADMIN} = 8, {@link #UNDEFINED} = 0.
 *
 * <p>As in Temporal's default authorizer, roles are ordered by their numeric value, so the highest bit decides:
 * {@code reader < writer < admin}, and a role holding only {@link #WORKER} is below reader and passes no check of the
 * default authorizer (Temporal defines the bit but grants nothing on it; custom authorizers may use it).
 *
 * @param bits the bitmask; only the four role bits are allowed
 */
public record Role(int bits) implements Comparable<Role> {
  public static final Role UNDEFINED = new Role(0);
  public static final Role WORKER = new Role(1);
  public static final Role READER = new Role(2);
  public static final Role WRITER = new Role(4);
  public static final Role ADMIN = new Role(8);

  private static final int ALL = 1 | 2 | 4 | 8;

  public Role {
    if ((bits & ~ALL) != 0) {
      throw new IllegalArgumentException("not a role bitmask: " + bits);
    }
  }

  /** The role for a bitmask, reusing the constants. */
  public static Role of(int bits) {
    return switch (bits) {
      case 0 -> UNDEFINED;
      case 1 -> WORKER;
      case 2 -> READER;
      case 4 -> WRITER;
      case 8 -> ADMIN;
      default -> new Role(bits);
    };
  }

  /**
   * Parses a permission's role word as Temporal's JWT claim mapper does: {@code read}, {@code write}, {@code worker},
   * {@code admin}, case-insensitive. Anything else is {@link #UNDEFINED}.
   */
  public static Role parse(String permission) {
    if (permission == null) {
      return UNDEFINED;
    }
    return switch (permission.toLowerCase(Locale.ROOT)) {
      case "read" -> READER;
      case "write" -> WRITER;
      case "worker" -> WORKER;
      case "admin" -> ADMIN;
      default -> UNDEFINED;
    };
  }

  /** The role Temporal's default authorizer requires for a method's access ({@code getRequiredRole}). */
  public static Role requiredFor(ApiMethod.Access access) {
    return switch (access) {
      case READ -> READER;
      case WRITE -> WRITER;
      case ADMIN -> ADMIN;
    };
  }

  /** True when this role passes a check that requires {@code required}: Temporal's {@code hasRole >= requiredRole}. */
  public boolean atLeast(Role required) {
    return bits >= required.bits;
  }

  /** True when every bit of {@code other} is set here. */
  public boolean has(Role other) {
    return (bits & other.bits) == other.bits;
  }

  /** Both roles' bits. */
  public Role union(Role other) {
    return of(bits | other.bits);
  }

  /**
   * What both roles allow. Each role first grows to everything it implies (admin implies writer, writer implies
   * reader and worker), so {@code ADMIN.intersect(WRITER)} passes writer checks and {@code WRITER.intersect(WORKER)}
   * is only {@link #WORKER}.
   */
  public Role intersect(Role other) {
    return of(implied() & other.implied());
  }

  private int implied() {
    int b = bits;
    if ((b & ADMIN.bits) != 0) {
      b |= WRITER.bits;
    }
    if ((b & WRITER.bits) != 0) {
      b |= READER.bits | WORKER.bits;
    }
    return b;
  }

  @Override
  public int compareTo(Role o) {
    return Integer.compare(bits, o.bits);
  }

  @Override
  public String toString() {
    if (bits == 0) {
      return "undefined";
    }
    StringBuilder sb = new StringBuilder();
    if ((bits & 8) != 0) sb.append("admin|");
    if ((bits & 4) != 0) sb.append("writer|");
    if ((bits & 2) != 0) sb.append("reader|");
    if ((bits & 1) != 0) sb.append("worker|");
    return sb.substring(0, sb.length() - 1);
  }
}
