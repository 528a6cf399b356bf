package dev.gatehouse.auth;

import dev.gatehouse.config.Authorization;
import dev.gatehouse.config.ConfigException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;

/** Resolves {@code global.authorization.claimMapper} and {@code authorizer} names to instances. */
final class Plugins {
  static final String CLAIM_MAPPER_KEY = "global.authorization.claimMapper";
  static final String AUTHORIZER_KEY = "global.authorization.authorizer";

  private Plugins() {}

  static ClaimMapper claimMapper(Authorization config, Clock clock, ClassLoader loader) {
    String value = config.claimMapper();
    String[] parts = value.split("\\+", -1);
    if (parts.length == 1) {
      return oneClaimMapper(value.strip(), config, clock, loader);
    }
    List<String> names = new ArrayList<>();
    List<ClaimMapper> mappers = new ArrayList<>();
    try {
      for (String part : parts) {
        String name = part.strip();
        if (name.isEmpty() || name.equals("noop") || names.contains(name)) {
          throw new ConfigException(null, CLAIM_MAPPER_KEY, "'" + value + "': join distinct claim mappers with '+', "
              + "e.g. default+mtls (noop cannot be joined)");
        }
        names.add(name);
        mappers.add(oneClaimMapper(name, config, clock, loader));
      }
    } catch (RuntimeException e) {
      mappers.forEach(ClaimMapper::close);
      throw e;
    }
    return new BothClaimMapper(mappers, names);
  }

  private static ClaimMapper oneClaimMapper(String name, Authorization config, Clock clock, ClassLoader loader) {
    return switch (name) {
      case "default" -> new JwtClaimMapper(config, clock);
      case "mtls" -> new MtlsClaimMapper(config.certificateRules());
      case "noop" -> NoopClaimMapper.INSTANCE;
      default -> {
        ClaimMapperProvider p = find(ClaimMapperProvider.class, ClaimMapperProvider::name, name, loader,
            CLAIM_MAPPER_KEY, "claim mapper", "default, mtls, noop");
        ClaimMapper m = p.create(config);
        if (m == null) {
          throw new ConfigException(null, CLAIM_MAPPER_KEY, "plugin '" + name + "' created no claim mapper");
        }
        yield m;
      }
    };
  }

  static Authorizer authorizer(Authorization config, ClassLoader loader) {
    String name = config.authorizer();
    return switch (name) {
      case "default" -> DefaultAuthorizer.INSTANCE;
      case "noop" -> NoopAuthorizer.INSTANCE;
      default -> {
        AuthorizerProvider p = find(AuthorizerProvider.class, AuthorizerProvider::name, name, loader,
            AUTHORIZER_KEY, "authorizer", "default, noop");
        Authorizer a = p.create(config);
        if (a == null) {
          throw new ConfigException(null, AUTHORIZER_KEY, "plugin '" + name + "' created no authorizer");
        }
        yield a;
      }
    };
  }

  private static <P> P find(
      Class<P> type, Function<P, String> nameOf, String wanted, ClassLoader loader, String key, String what,
      String builtIns) {
    List<P> matches = new ArrayList<>();
    List<String> available = new ArrayList<>();
    for (P p : ServiceLoader.load(type, loader)) {
      String n = nameOf.apply(p);
      available.add(n);
      if (wanted.equals(n) || wanted.equals(p.getClass().getName())) {
        matches.add(p);
      }
    }
    if (matches.isEmpty()) {
      throw new ConfigException(null, key, "unknown " + what + " '" + wanted + "' (built-in: " + builtIns
          + "; plugins found: " + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
    }
    if (matches.size() > 1) {
      throw new ConfigException(null, key, "more than one " + what + " plugin is named '" + wanted + "'");
    }
    return matches.get(0);
  }
}
