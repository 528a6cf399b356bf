package dev.gatehouse.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.temporal.api.cloud.cloudservice.v1.*;
import io.temporal.api.cloud.identity.v1.Access;
import io.temporal.api.cloud.identity.v1.AccountAccess;
import io.temporal.api.cloud.identity.v1.ApiKey;
import io.temporal.api.cloud.identity.v1.ApiKeySpec;
import io.temporal.api.cloud.identity.v1.NamespaceAccess;
import io.temporal.api.cloud.identity.v1.NamespaceScopedAccess;
import io.temporal.api.cloud.identity.v1.OwnerType;
import io.temporal.api.cloud.identity.v1.ServiceAccount;
import io.temporal.api.cloud.identity.v1.ServiceAccountSpec;
import io.temporal.api.cloud.identity.v1.User;
import io.temporal.api.cloud.identity.v1.UserSpec;
import io.temporal.api.cloud.namespace.v1.ApiKeyAuthSpec;
import io.temporal.api.cloud.namespace.v1.CertificateFilterSpec;
import io.temporal.api.cloud.namespace.v1.MtlsAuthSpec;
import io.temporal.api.cloud.namespace.v1.Namespace;
import io.temporal.api.cloud.namespace.v1.NamespaceSpec;
import io.temporal.serviceclient.CloudServiceStubs;
import io.temporal.serviceclient.CloudServiceStubsOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code gatehouse admin}: the common Ops API operations (namespaces, users, service accounts, API keys) through the
 * control plane, with {@code CloudServiceStubs}, the client any Cloud Ops API tool uses.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Manage namespaces, users, service accounts and API keys through the control plane (Ops API).",
    subcommands = {AdminCommand.Whoami.class, AdminCommand.Namespaces.class, AdminCommand.Users.class,
        AdminCommand.ServiceAccounts.class, AdminCommand.ApiKeys.class})
final class AdminCommand implements Runnable {
  static final String API_KEY_ENV = "GATEHOUSE_API_KEY";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--address", scope = ScopeType.INHERIT, defaultValue = "localhost:7235",
      description = "The control plane's host:port (controlPlane.address; default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--api-key", scope = ScopeType.INHERIT,
      description = "An API key; default: the environment variable " + API_KEY_ENV + ".")
  String apiKey;

  @Option(names = "--ca-file", scope = ScopeType.INHERIT,
      description = "The CA that signed the control plane's certificate (PEM); default: the system's.")
  Path caFile;

  @Option(names = "--plaintext", scope = ScopeType.INHERIT,
      description = "Connect without TLS (a control plane on a loopback address without controlPlane.tls).")
  boolean plaintext;

  @Option(names = "--output", scope = ScopeType.INHERIT, defaultValue = "table",
      description = "table (default) or json.")
  String output;

  /** For tests: the environment to read the API key from. */
  Function<String, String> env = System::getenv;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A connection to the control plane; closed by the caller. */
  CloudServiceStubs connect() throws Exception {
    String key = apiKey != null ? apiKey : env.apply(API_KEY_ENV);
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("no API key: pass --api-key or set " + API_KEY_ENV);
    }
    CloudServiceStubsOptions.Builder options = CloudServiceStubsOptions.newBuilder().setTarget(address)
        .addApiKey(() -> key);
    if (!plaintext) {
      SslContextBuilder tls = GrpcSslContexts.forClient();
      if (caFile != null) {
        tls.trustManager(caFile.toFile());
      }
      options.setSslContext(tls.build());
    } else {
      options.setEnableHttps(false);
    }
    return CloudServiceStubs.newServiceStubs(options.build());
  }

  boolean json() {
    String o = output.toLowerCase(Locale.ROOT);
    if (!o.equals("json") && !o.equals("table")) {
      throw new IllegalArgumentException("--output must be table or json, got " + output);
    }
    return o.equals("json");
  }

  /** Runs {@code call} against the control plane and prints its answer; a refused call is one line on stderr. */
  int call(CommandLine.Model.CommandSpec cmd, Call call) throws Exception {
    boolean json = json();
    PrintWriter out = cmd.commandLine().getOut();
    try (Closer stubs = new Closer(connect())) {
      Message answer = call.run(stubs.stubs.blockingStub().withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS));
      if (json) {
        out.println(JsonFormat.printer().print(answer));
      } else {
        Tables.print(out, answer);
      }
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      PrintWriter err = cmd.commandLine().getErr();
      err.println("gatehouse admin: " + e.getStatus().getCode() + ": "
          + (e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription()));
      err.flush();
      return 1;
    }
  }

  interface Call {
    Message run(io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc.CloudServiceBlockingStub ops)
        throws Exception;
  }

  private record Closer(CloudServiceStubs stubs) implements AutoCloseable {
    @Override
    public void close() {
      stubs.shutdownNow();
    }
  }

  static AccountAccess.Role role(String name) {
    return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
      case "owner" -> AccountAccess.Role.ROLE_OWNER;
      case "admin", "global-admin" -> AccountAccess.Role.ROLE_ADMIN;
      case "developer" -> AccountAccess.Role.ROLE_DEVELOPER;
      case "finance-admin" -> AccountAccess.Role.ROLE_FINANCE_ADMIN;
      case "read", "read-only" -> AccountAccess.Role.ROLE_READ;
      case "metrics-read" -> AccountAccess.Role.ROLE_METRICS_READ;
      default -> throw new IllegalArgumentException("unknown account role " + name
          + " (owner, admin, developer, finance-admin, read, metrics-read)");
    };
  }

  static NamespaceAccess.Permission permission(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "admin" -> NamespaceAccess.Permission.PERMISSION_ADMIN;
      case "write" -> NamespaceAccess.Permission.PERMISSION_WRITE;
      case "read" -> NamespaceAccess.Permission.PERMISSION_READ;
      case "none" -> NamespaceAccess.Permission.PERMISSION_UNSPECIFIED;
      default -> throw new IllegalArgumentException("unknown namespace permission " + name
          + " (admin, write, read, none)");
    };
  }

  /** {@code namespace=permission} pairs, as {@code temporal cloud} takes them. */
  static Access access(String role, List<String> namespaces) {
    Access.Builder a = Access.newBuilder();
    if (role != null) {
      a.setAccountAccess(AccountAccess.newBuilder().setRole(role(role)));
    }
    for (String pair : namespaces) {
      int eq = pair.lastIndexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--namespace-access takes namespace=permission, got " + pair);
      }
      a.putNamespaceAccesses(pair.substring(0, eq), NamespaceAccess.newBuilder()
          .setPermission(permission(pair.substring(eq + 1))).build());
    }
    return a.build();
  }

  static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  static Duration duration(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("d")) {
        return Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // Falls through to the message below.
    }
    throw new IllegalArgumentException("--expiry takes a duration in days or hours, e.g. 90d or 12h; got " + text);
  }

  /** A subcommand one level below {@code admin}. */
  abstract static class Leaf implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    AdminCommand admin() {
      CommandLine c = spec.commandLine().getParent();
      while (!(c.getCommand() instanceof AdminCommand)) {
        c = c.getParent();
      }
      return c.getCommand();
    }

    @Override
    public Integer call() throws Exception {
      return admin().call(spec, this::run);
    }

    abstract Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) throws Exception;
  }

  @Command(name = "whoami", mixinStandardHelpOptions = true, description = "Who the API key belongs to.")
  static final class Whoami extends Leaf {
    @Override
    Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
      return ops.getCurrentIdentity(GetCurrentIdentityRequest.getDefaultInstance());
    }
  }

  // ---- namespaces

  @Command(name = "namespace", mixinStandardHelpOptions = true, description = "Namespaces.",
      subcommands = {Namespaces.Create.class, Namespaces.ListAll.class, Namespaces.Get.class, Namespaces.Update.class,
          Namespaces.Delete.class})
  static final class Namespaces implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The spec options shared by create and update. */
    static final class SpecOptions {
      @Option(names = "--retention-days", description = "Workflow history retention, 1 to 90 days.")
      Integer retentionDays;

      @Option(names = "--accepted-client-ca", description = "A PEM file of the CAs this namespace's clients use.")
      Path ca;

      @Option(names = "--certificate-filter",
          description = "A filter, e.g. cn=worker-*,o=acme,ou=payments,san=*.acme.internal (repeatable).")
      List<String> filters = new ArrayList<>();

      @Option(names = "--mtls", negatable = true, description = "Accept client certificates from the CAs.")
      Boolean mtls;

      @Option(names = "--api-key-auth", negatable = true, description = "Accept API keys (default on for create).")
      Boolean apiKeyAuth;

      @Option(names = "--codec-endpoint", description = "The codec server for the Web UI (https URL).")
      String codecEndpoint;

      NamespaceSpec apply(NamespaceSpec base) throws Exception {
        NamespaceSpec.Builder s = base.toBuilder();
        if (retentionDays != null) {
          s.setRetentionDays(retentionDays);
        }
        MtlsAuthSpec.Builder mtlsSpec = s.getMtlsAuth().toBuilder();
        if (ca != null) {
          mtlsSpec.setAcceptedClientCa(ByteString.copyFrom(Files.readAllBytes(ca)));
        }
        if (!filters.isEmpty()) {
          mtlsSpec.clearCertificateFilters();
          for (String f : filters) {
            mtlsSpec.addCertificateFilters(filter(f));
          }
        }
        if (mtls != null) {
          mtlsSpec.setEnabled(mtls);
        }
        s.setMtlsAuth(mtlsSpec);
        if (apiKeyAuth != null) {
          s.setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(apiKeyAuth));
        }
        if (codecEndpoint != null) {
          s.setCodecServer(s.getCodecServer().toBuilder().setEndpoint(codecEndpoint));
        }
        return s.build();
      }

      static CertificateFilterSpec filter(String text) {
        CertificateFilterSpec.Builder f = CertificateFilterSpec.newBuilder();
        for (String part : text.split(",")) {
          int eq = part.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--certificate-filter takes cn=,o=,ou=,san= pairs, got " + text);
          }
          String value = part.substring(eq + 1);
          switch (part.substring(0, eq).strip().toLowerCase(Locale.ROOT)) {
            case "cn" -> f.setCommonName(value);
            case "o" -> f.setOrganization(value);
            case "ou" -> f.setOrganizationalUnit(value);
            case "san" -> f.setSubjectAlternativeName(value);
            default -> throw new IllegalArgumentException("--certificate-filter: unknown field in " + part
                + " (cn, o, ou, san)");
          }
        }
        return f.build();
      }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a namespace.")
    static final class Create extends Leaf {
      @Parameters(index = "0", description = "The namespace's name.")
      String name;

      @CommandLine.Mixin
      SpecOptions options = new SpecOptions();

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) throws Exception {
        NamespaceSpec base = NamespaceSpec.newBuilder().setName(name).setRetentionDays(30)
            .setApiKeyAuth(ApiKeyAuthSpec.newBuilder().setEnabled(true)).build();
        return ops.createNamespace(CreateNamespaceRequest.newBuilder().setSpec(options.apply(base)).build());
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List namespaces.")
    static final class ListAll extends Leaf {
      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        GetNamespacesResponse.Builder all = GetNamespacesResponse.newBuilder();
        String token = "";
        do {
          GetNamespacesResponse page = ops.getNamespaces(GetNamespacesRequest.newBuilder().setPageToken(token).build());
          all.addAllNamespaces(page.getNamespacesList());
          token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all.build();
      }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a namespace.")
    static final class Get extends Leaf {
      @Parameters(index = "0")
      String name;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.getNamespace(GetNamespaceRequest.newBuilder().setNamespace(name).build());
      }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
        description = "Change a namespace's settings (those given; the rest stay).")
    static final class Update extends Leaf {
      @Parameters(index = "0")
      String name;

      @CommandLine.Mixin
      SpecOptions options = new SpecOptions();

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) throws Exception {
        Namespace current = ops.getNamespace(GetNamespaceRequest.newBuilder().setNamespace(name).build())
            .getNamespace();
        return ops.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(name)
            .setResourceVersion(current.getResourceVersion()).setSpec(options.apply(current.getSpec())).build());
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a namespace.")
    static final class Delete extends Leaf {
      @Parameters(index = "0")
      String name;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace(name).build());
      }
    }
  }

  // ---- users

  @Command(name = "user", mixinStandardHelpOptions = true, description = "Users.",
      subcommands = {Users.Create.class, Users.ListAll.class, Users.Get.class, Users.Update.class, Users.Delete.class,
          Users.SetAccess.class})
  static final class Users implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Invite a user.")
    static final class Create extends Leaf {
      @Parameters(index = "0", description = "The user's email.")
      String email;

      @Option(names = "--account-role", required = true,
          description = "owner, admin, developer, finance-admin, read or metrics-read.")
      String role;

      @Option(names = "--namespace-access", description = "namespace=permission (admin, write, read); repeatable.")
      List<String> namespaces = new ArrayList<>();

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.createUser(CreateUserRequest.newBuilder().setSpec(UserSpec.newBuilder().setEmail(email)
            .setAccess(access(role, namespaces))).build());
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class ListAll extends Leaf {
      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        GetUsersResponse.Builder all = GetUsersResponse.newBuilder();
        String token = "";
        do {
          GetUsersResponse page = ops.getUsers(GetUsersRequest.newBuilder().setPageToken(token).build());
          all.addAllUsers(page.getUsersList());
          token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all.build();
      }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a user.")
    static final class Get extends Leaf {
      @Parameters(index = "0", description = "The user's id.")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.getUser(GetUserRequest.newBuilder().setUserId(id).build());
      }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
        description = "Change a user's email or account role (what is not given stays).")
    static final class Update extends Leaf {
      @Parameters(index = "0", description = "The user's id.")
      String id;

      @Option(names = "--email")
      String email;

      @Option(names = "--account-role", description = "owner, admin, developer, finance-admin, read or metrics-read.")
      String role;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        User current = ops.getUser(GetUserRequest.newBuilder().setUserId(id).build()).getUser();
        UserSpec.Builder spec = current.getSpec().toBuilder();
        if (email != null) {
          spec.setEmail(email);
        }
        if (role != null) {
          spec.setAccess(spec.getAccess().toBuilder().setAccountAccess(AccountAccess.newBuilder().setRole(role(role))));
        }
        return ops.updateUser(UpdateUserRequest.newBuilder().setUserId(id)
            .setResourceVersion(current.getResourceVersion()).setSpec(spec).build());
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a user and their API keys.")
    static final class Delete extends Leaf {
      @Parameters(index = "0", description = "The user's id.")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.deleteUser(DeleteUserRequest.newBuilder().setUserId(id).build());
      }
    }

    @Command(name = "set-access", mixinStandardHelpOptions = true,
        description = "Set a user's permission on one namespace (none removes it).")
    static final class SetAccess extends Leaf {
      @Parameters(index = "0", description = "The user's id.")
      String id;

      @Option(names = "--namespace", required = true)
      String namespace;

      @Option(names = "--permission", required = true, description = "admin, write, read or none.")
      String permission;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.setUserNamespaceAccess(SetUserNamespaceAccessRequest.newBuilder().setUserId(id)
            .setNamespace(namespace).setAccess(NamespaceAccess.newBuilder().setPermission(permission(permission)))
            .build());
      }
    }
  }

  // ---- service accounts

  @Command(name = "service-account", mixinStandardHelpOptions = true, description = "Service accounts.",
      subcommands = {ServiceAccounts.Create.class, ServiceAccounts.ListAll.class, ServiceAccounts.Get.class,
          ServiceAccounts.Update.class, ServiceAccounts.Delete.class, ServiceAccounts.SetAccess.class})
  static final class ServiceAccounts implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a service account: account-wide (--account-role) or scoped to one namespace"
            + " (--scoped namespace=permission).")
    static final class Create extends Leaf {
      @Parameters(index = "0", description = "The service account's name.")
      String name;

      @Option(names = "--account-role", description = "admin, developer, finance-admin, read or metrics-read.")
      String role;

      @Option(names = "--namespace-access", description = "namespace=permission; repeatable.")
      List<String> namespaces = new ArrayList<>();

      @Option(names = "--scoped", description = "namespace=permission: a service account of that namespace only.")
      String scoped;

      @Option(names = "--description")
      String description = "";

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        ServiceAccountSpec.Builder spec = ServiceAccountSpec.newBuilder().setName(name).setDescription(description);
        if (scoped != null) {
          int eq = scoped.lastIndexOf('=');
          if (eq <= 0 || role != null || !namespaces.isEmpty()) {
            throw new IllegalArgumentException("--scoped takes namespace=permission, without --account-role or"
                + " --namespace-access");
          }
          spec.setNamespaceScopedAccess(NamespaceScopedAccess.newBuilder().setNamespace(scoped.substring(0, eq))
              .setAccess(NamespaceAccess.newBuilder().setPermission(permission(scoped.substring(eq + 1)))));
        } else {
          spec.setAccess(access(role, namespaces));
        }
        return ops.createServiceAccount(CreateServiceAccountRequest.newBuilder().setSpec(spec).build());
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List service accounts.")
    static final class ListAll extends Leaf {
      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        GetServiceAccountsResponse.Builder all = GetServiceAccountsResponse.newBuilder();
        String token = "";
        do {
          GetServiceAccountsResponse page =
              ops.getServiceAccounts(GetServiceAccountsRequest.newBuilder().setPageToken(token).build());
          all.addAllServiceAccount(page.getServiceAccountList());
          token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all.build();
      }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a service account.")
    static final class Get extends Leaf {
      @Parameters(index = "0")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.getServiceAccount(GetServiceAccountRequest.newBuilder().setServiceAccountId(id).build());
      }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
        description = "Change a service account's name, description or account role (what is not given stays).")
    static final class Update extends Leaf {
      @Parameters(index = "0")
      String id;

      @Option(names = "--name")
      String name;

      @Option(names = "--description")
      String description;

      @Option(names = "--account-role", description = "admin, developer, finance-admin, read or metrics-read"
          + " (account-wide service accounts).")
      String role;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        ServiceAccount current = ops.getServiceAccount(GetServiceAccountRequest.newBuilder().setServiceAccountId(id)
            .build()).getServiceAccount();
        ServiceAccountSpec.Builder spec = current.getSpec().toBuilder();
        if (name != null) {
          spec.setName(name);
        }
        if (description != null) {
          spec.setDescription(description);
        }
        if (role != null) {
          spec.setAccess(spec.getAccess().toBuilder().setAccountAccess(AccountAccess.newBuilder().setRole(role(role))));
        }
        return ops.updateServiceAccount(UpdateServiceAccountRequest.newBuilder().setServiceAccountId(id)
            .setResourceVersion(current.getResourceVersion()).setSpec(spec).build());
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a service account and its keys.")
    static final class Delete extends Leaf {
      @Parameters(index = "0")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.deleteServiceAccount(DeleteServiceAccountRequest.newBuilder().setServiceAccountId(id).build());
      }
    }

    @Command(name = "set-access", mixinStandardHelpOptions = true,
        description = "Set a service account's permission on one namespace (none removes it).")
    static final class SetAccess extends Leaf {
      @Parameters(index = "0")
      String id;

      @Option(names = "--namespace", required = true)
      String namespace;

      @Option(names = "--permission", required = true, description = "admin, write, read or none.")
      String permission;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.setServiceAccountNamespaceAccess(SetServiceAccountNamespaceAccessRequest.newBuilder()
            .setServiceAccountId(id).setNamespace(namespace)
            .setAccess(NamespaceAccess.newBuilder().setPermission(permission(permission))).build());
      }
    }
  }

  // ---- API keys

  @Command(name = "api-key", mixinStandardHelpOptions = true, description = "API keys.",
      subcommands = {ApiKeys.Create.class, ApiKeys.ListAll.class, ApiKeys.Get.class, ApiKeys.Disable.class,
          ApiKeys.Enable.class, ApiKeys.Delete.class})
  static final class ApiKeys implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create an API key; its token is printed once and stored nowhere.")
    static final class Create extends Leaf {
      @Option(names = "--owner-id", required = true, description = "The user's or service account's id.")
      String owner;

      @Option(names = "--owner-type", defaultValue = "user", description = "user (default) or service-account.")
      String ownerType;

      @Option(names = "--name", required = true, description = "The key's display name.")
      String name;

      @Option(names = "--description")
      String description = "";

      @Option(names = "--expiry", defaultValue = "90d", description = "Lifetime, at most 2 years (default: 90d).")
      String expiry;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        OwnerType type = switch (ownerType.toLowerCase(Locale.ROOT)) {
          case "user" -> OwnerType.OWNER_TYPE_USER;
          case "service-account" -> OwnerType.OWNER_TYPE_SERVICE_ACCOUNT;
          default -> throw new IllegalArgumentException("--owner-type is user or service-account");
        };
        return ops.createApiKey(CreateApiKeyRequest.newBuilder().setSpec(ApiKeySpec.newBuilder().setOwnerId(owner)
            .setOwnerType(type).setDisplayName(name).setDescription(description)
            .setExpiryTime(timestamp(Instant.now().plus(duration(expiry))))).build());
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List API keys (yours, or all for admins).")
    static final class ListAll extends Leaf {
      @Option(names = "--owner-id")
      String owner = "";

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        GetApiKeysResponse.Builder all = GetApiKeysResponse.newBuilder();
        String token = "";
        do {
          GetApiKeysResponse page = ops.getApiKeys(GetApiKeysRequest.newBuilder().setOwnerId(owner)
              .setPageToken(token).build());
          all.addAllApiKeys(page.getApiKeysList());
          token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all.build();
      }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show an API key (never its token).")
    static final class Get extends Leaf {
      @Parameters(index = "0", description = "The key's id.")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.getApiKey(GetApiKeyRequest.newBuilder().setKeyId(id).build());
      }
    }

    abstract static class Toggle extends Leaf {
      @Parameters(index = "0", description = "The key's id.")
      String id;

      abstract boolean disabled();

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        ApiKey key = ops.getApiKey(GetApiKeyRequest.newBuilder().setKeyId(id).build()).getApiKey();
        return ops.updateApiKey(UpdateApiKeyRequest.newBuilder().setKeyId(id)
            .setResourceVersion(key.getResourceVersion())
            .setSpec(key.getSpec().toBuilder().setDisabled(disabled())).build());
      }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable a key (the next call fails).")
    static final class Disable extends Toggle {
      @Override
      boolean disabled() {
        return true;
      }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled key.")
    static final class Enable extends Toggle {
      @Override
      boolean disabled() {
        return false;
      }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a key.")
    static final class Delete extends Leaf {
      @Parameters(index = "0", description = "The key's id.")
      String id;

      @Override
      Message run(CloudServiceGrpc.CloudServiceBlockingStub ops) {
        return ops.deleteApiKey(DeleteApiKeyRequest.newBuilder().setKeyId(id).build());
      }
    }
  }

  /** Readable tables for the answers the commands print. */
  static final class Tables {
    private Tables() {}

    static void print(PrintWriter out, Message m) throws InvalidProtocolBufferException {
      switch (m) {
        case GetNamespacesResponse r -> namespaces(out, r.getNamespacesList());
        case GetNamespaceResponse r -> namespaces(out, List.of(r.getNamespace()));
        case GetUsersResponse r -> users(out, r.getUsersList());
        case GetUserResponse r -> users(out, List.of(r.getUser()));
        case GetServiceAccountsResponse r -> serviceAccounts(out, r.getServiceAccountList());
        case GetServiceAccountResponse r -> serviceAccounts(out, List.of(r.getServiceAccount()));
        case GetApiKeysResponse r -> apiKeys(out, r.getApiKeysList());
        case GetApiKeyResponse r -> apiKeys(out, List.of(r.getApiKey()));
        case GetCurrentIdentityResponse r -> {
          if (r.hasUser()) {
            users(out, List.of(r.getUser()));
          } else {
            serviceAccounts(out, List.of(r.getServiceAccount()));
          }
        }
        case CreateApiKeyResponse r -> {
          out.println("key id   " + r.getKeyId());
          out.println("token    " + r.getToken());
          out.println("Keep the token now: it is shown this once and stored nowhere.");
        }
        default -> fields(out, m);
      }
    }

    private static void fields(PrintWriter out, Message m) {
      // Create*/Update*/Delete*: the new id, if any, and the operation.
      m.getAllFields().forEach((f, v) -> {
        if (v instanceof io.temporal.api.cloud.operation.v1.AsyncOperation op) {
          out.printf("%-10s %s (%s, %s)%n", "operation", op.getId(), op.getOperationType(),
              op.getState().name().replace("STATE_", "").toLowerCase(Locale.ROOT));
        } else {
          out.printf("%-10s %s%n", f.getName().replace('_', ' '), v);
        }
      });
    }

    private static void namespaces(PrintWriter out, List<Namespace> list) {
      out.printf("%-32s %-9s %-5s %-8s %-4s %-8s %s%n", "NAMESPACE", "RETENTION", "MTLS", "API KEYS", "CAS",
          "FILTERS", "VERSION");
      for (Namespace n : list) {
        int cas = count(n.getSpec().getMtlsAuth().getAcceptedClientCa().toStringUtf8(), "BEGIN CERTIFICATE");
        out.printf("%-32s %-9s %-5s %-8s %-4d %-8d %s%n", n.getNamespace(), n.getSpec().getRetentionDays() + "d",
            onOff(n.getSpec().getMtlsAuth().getEnabled()), onOff(n.getSpec().getApiKeyAuth().getEnabled()), cas,
            n.getSpec().getMtlsAuth().getCertificateFiltersCount(), n.getResourceVersion());
      }
    }

    private static void users(PrintWriter out, List<User> list) {
      out.printf("%-34s %-32s %-14s %s%n", "ID", "EMAIL", "ACCOUNT ROLE", "NAMESPACES");
      for (User u : list) {
        out.printf("%-34s %-32s %-14s %s%n", u.getId(), u.getSpec().getEmail(),
            roleName(u.getSpec().getAccess().getAccountAccess().getRole()),
            namespaces(u.getSpec().getAccess().getNamespaceAccessesMap()));
      }
    }

    private static void serviceAccounts(PrintWriter out, List<ServiceAccount> list) {
      out.printf("%-34s %-24s %-14s %s%n", "ID", "NAME", "ACCOUNT ROLE", "NAMESPACES");
      for (ServiceAccount s : list) {
        ServiceAccountSpec spec = s.getSpec();
        String role = spec.hasNamespaceScopedAccess() ? "(scoped)" : roleName(spec.getAccess().getAccountAccess()
            .getRole());
        String ns = spec.hasNamespaceScopedAccess()
            ? namespaces(Map.of(spec.getNamespaceScopedAccess().getNamespace(),
                spec.getNamespaceScopedAccess().getAccess()))
            : namespaces(spec.getAccess().getNamespaceAccessesMap());
        out.printf("%-34s %-24s %-14s %s%n", s.getId(), spec.getName(), role, ns);
      }
    }

    private static void apiKeys(PrintWriter out, List<ApiKey> list) {
      out.printf("%-22s %-34s %-16s %-24s %-8s %s%n", "KEY ID", "OWNER", "OWNER TYPE", "NAME", "STATE", "EXPIRES");
      for (ApiKey k : list) {
        ApiKeySpec s = k.getSpec();
        String state = s.getDisabled() ? "disabled" : k.getState().name().replace("RESOURCE_STATE_", "")
            .toLowerCase(Locale.ROOT);
        out.printf("%-22s %-34s %-16s %-24s %-8s %s%n", k.getId(), s.getOwnerId(),
            s.getOwnerType().name().replace("OWNER_TYPE_", "").toLowerCase(Locale.ROOT).replace('_', '-'),
            s.getDisplayName(), state, Instant.ofEpochSecond(s.getExpiryTime().getSeconds()));
      }
    }

    private static String roleName(AccountAccess.Role r) {
      return r == AccountAccess.Role.ROLE_UNSPECIFIED ? "-"
          : r.name().replace("ROLE_", "").toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String namespaces(Map<String, NamespaceAccess> map) {
      if (map.isEmpty()) {
        return "-";
      }
      List<String> parts = new ArrayList<>();
      new java.util.TreeMap<>(map).forEach((ns, a) -> parts.add(ns + "=" + a.getPermission().name()
          .replace("PERMISSION_", "").toLowerCase(Locale.ROOT)));
      return String.join(",", parts);
    }

    private static String onOff(boolean b) {
      return b ? "on" : "off";
    }

    private static int count(String s, String token) {
      int n = 0;
      for (int i = s.indexOf(token); i >= 0; i = s.indexOf(token, i + 1)) {
        n++;
      }
      return n;
    }
  }
}
