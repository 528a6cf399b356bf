package dev.gatehouse.cli;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.gatehouse.api.access.v1.AccessServiceGrpc;
import dev.gatehouse.api.access.v1.ApproveGrantRequest;
import dev.gatehouse.api.access.v1.DenyGrantRequest;
import dev.gatehouse.api.access.v1.Grant;
import dev.gatehouse.api.access.v1.GrantState;
import dev.gatehouse.api.access.v1.GrantTarget;
import dev.gatehouse.api.access.v1.ListGrantsRequest;
import dev.gatehouse.api.access.v1.ListGrantsResponse;
import dev.gatehouse.api.access.v1.NamespaceTarget;
import dev.gatehouse.api.access.v1.RequestGrantRequest;
import dev.gatehouse.api.access.v1.RequestGrantResponse;
import dev.gatehouse.api.access.v1.RevokeGrantRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * {@code gatehouse access}: time-limited elevated access through the control plane's
 * {@code gatehouse.access.v1.AccessService}, with the caller's API key as every Ops API client sends it.
 */
@Command(name = "access", mixinStandardHelpOptions = true,
    description = "Time-limited elevated access (at most 8 hours) and access reviews on the control plane.",
    subcommands = {AccessCommand.Request.class, AccessCommand.Approve.class, AccessCommand.Deny.class,
        AccessCommand.Revoke.class, AccessCommand.ListGrants.class, ReviewCommand.class})
final class AccessCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--address", scope = ScopeType.INHERIT, defaultValue = "localhost:7235",
      description = "The control plane's host:port (controlPlane.address; default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--api-key", scope = ScopeType.INHERIT,
      description = "An API key; default: the environment variable " + AdminCommand.API_KEY_ENV + ".")
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

  Function<String, String> env = System::getenv;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The {@code access} command above {@code spec}. */
  static AccessCommand of(CommandLine.Model.CommandSpec spec) {
    CommandLine c = spec.commandLine();
    while (!(c.getCommand() instanceof AccessCommand)) {
      c = c.getParent();
    }
    return c.getCommand();
  }

  /** A channel to the control plane that sends the caller's API key on every call; closed by the caller. */
  ManagedChannel connect() throws Exception {
    String key = apiKey != null ? apiKey : env.apply(AdminCommand.API_KEY_ENV);
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("no API key: pass --api-key or set " + AdminCommand.API_KEY_ENV);
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--address takes host:port, got " + address);
    }
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1))).intercept(bearer(key));
    if (plaintext) {
      b.usePlaintext();
    } else {
      SslContextBuilder tls = GrpcSslContexts.forClient();
      if (caFile != null) {
        tls.trustManager(caFile.toFile());
      }
      b.sslContext(tls.build());
    }
    return b.build();
  }

  private static ClientInterceptor bearer(String key) {
    Metadata.Key<String> auth = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            headers.put(auth, "Bearer " + key);
            super.start(listener, headers);
          }
        };
      }
    };
  }

  interface Call {
    Message run(AccessServiceGrpc.AccessServiceBlockingStub grants) throws Exception;
  }

  int call(CommandLine.Model.CommandSpec cmd, Call call) throws Exception {
    String o = output.toLowerCase(Locale.ROOT);
    if (!o.equals("json") && !o.equals("table")) {
      throw new IllegalArgumentException("--output must be table or json, got " + output);
    }
    PrintWriter out = cmd.commandLine().getOut();
    ManagedChannel channel = connect();
    try {
      Message answer = call.run(AccessServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
      if (o.equals("json")) {
        out.println(JsonFormat.printer().print(answer));
      } else {
        print(out, answer);
      }
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      PrintWriter err = cmd.commandLine().getErr();
      err.println("gatehouse access: " + e.getStatus().getCode() + ": "
          + (e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription()));
      err.flush();
      return 1;
    } finally {
      channel.shutdownNow();
    }
  }

  static void print(PrintWriter out, Message answer) {
    java.util.List<Grant> grants = answer instanceof ListGrantsResponse l ? l.getGrantsList()
        : java.util.List.of((Grant) answer.getField(answer.getDescriptorForType().findFieldByName("grant")));
    out.printf("%-30s %-10s %-28s %-34s %-6s %-20s %s%n", "GRANT", "STATE", "PRINCIPAL", "TARGET", "FOR",
        "EXPIRES", "FLAGS");
    for (Grant g : grants) {
      String target = g.getTarget().hasNamespace()
          ? g.getTarget().getNamespace().getPermission() + " on " + g.getTarget().getNamespace().getNamespace()
          : "role " + g.getTarget().getAccountRole();
      String expires = g.hasExpireTime() ? Instant.ofEpochSecond(g.getExpireTime().getSeconds()).toString() : "-";
      out.printf("%-30s %-10s %-28s %-34s %-6s %-20s %s%n", g.getId(),
          g.getState().name().replace("GRANT_STATE_", "").toLowerCase(Locale.ROOT), g.getPrincipalId(), target,
          human(g.getDuration().getSeconds()), expires, g.getBreakGlass() ? "BREAK-GLASS" : "");
    }
  }

  private static String human(long seconds) {
    return seconds % 3600 == 0 ? seconds / 3600 + "h" : seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }

  /** {@code 90m}, {@code 1h}, {@code 8h}, {@code 30s}: whole seconds, minutes or hours. */
  static Duration duration(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // Falls through to the message below.
    }
    throw new IllegalArgumentException("--duration takes hours, minutes or seconds, e.g. 1h or 90m; got " + text);
  }

  abstract static class Leaf implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    AccessCommand access() {
      return AccessCommand.of(spec);
    }
  }

  @Command(name = "request", mixinStandardHelpOptions = true,
      description = "Ask for a namespace permission or an account role for a time.")
  static final class Request extends Leaf {
    @Option(names = "--namespace", description = "The namespace (with --permission).")
    String namespace;

    @Option(names = "--permission", description = "read, write or admin.")
    String permission;

    @Option(names = "--account-role", description = "Instead of a namespace: admin, developer, read, ...")
    String accountRole;

    @Option(names = "--duration", required = true, description = "How long, at most the policy's maximum (8h).")
    String duration;

    @Option(names = "--justification", required = true, description = "Why you need it.")
    String justification;

    @Option(names = "--ticket", defaultValue = "", description = "A ticket reference, e.g. INC-42.")
    String ticket;

    @Option(names = "--break-glass",
        description = "Emergency: approve it yourself now (flagged, notified, audited).")
    boolean breakGlass;

    @Override
    public Integer call() throws Exception {
      GrantTarget.Builder target = GrantTarget.newBuilder();
      if (accountRole != null) {
        if (namespace != null || permission != null) {
          throw new IllegalArgumentException("give --namespace and --permission, or --account-role, not both");
        }
        target.setAccountRole(accountRole);
      } else {
        if (namespace == null || permission == null) {
          throw new IllegalArgumentException("give --namespace and --permission, or --account-role");
        }
        target.setNamespace(NamespaceTarget.newBuilder().setNamespace(namespace).setPermission(permission));
      }
      Duration d = duration(duration);
      RequestGrantRequest r = RequestGrantRequest.newBuilder().setTarget(target)
          .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()))
          .setJustification(justification).setTicket(ticket).setBreakGlass(breakGlass).build();
      return access().call(spec, grants -> {
        RequestGrantResponse answer = grants.requestGrant(r);
        return answer;
      });
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve someone else's request.")
  static final class Approve extends Leaf {
    @Parameters(index = "0", description = "The grant id.")
    String grantId;

    @Option(names = "--reason", defaultValue = "", description = "Recorded with the approval.")
    String reason;

    @Override
    public Integer call() throws Exception {
      return access().call(spec, grants -> grants.approveGrant(ApproveGrantRequest.newBuilder()
          .setGrantId(grantId).setReason(reason).build()));
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a request.")
  static final class Deny extends Leaf {
    @Parameters(index = "0", description = "The grant id.")
    String grantId;

    @Option(names = "--reason", defaultValue = "", description = "Recorded with the denial.")
    String reason;

    @Override
    public Integer call() throws Exception {
      return access().call(spec, grants -> grants.denyGrant(DenyGrantRequest.newBuilder()
          .setGrantId(grantId).setReason(reason).build()));
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "End a grant (or withdraw a request) now.")
  static final class Revoke extends Leaf {
    @Parameters(index = "0", description = "The grant id.")
    String grantId;

    @Option(names = "--reason", defaultValue = "", description = "Recorded with the revocation.")
    String reason;

    @Override
    public Integer call() throws Exception {
      return access().call(spec, grants -> grants.revokeGrant(RevokeGrantRequest.newBuilder()
          .setGrantId(grantId).setReason(reason).build()));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Your grants, and those you may decide on.")
  static final class ListGrants extends Leaf {
    @Option(names = "--state", description = "requested, active, denied, expired or revoked.")
    String state;

    @Option(names = "--namespace", defaultValue = "", description = "Only this namespace's grants.")
    String namespace;

    @Option(names = "--principal", defaultValue = "", description = "Only this user's or service account's.")
    String principal;

    @Override
    public Integer call() throws Exception {
      ListGrantsRequest.Builder r = ListGrantsRequest.newBuilder().setNamespace(namespace).setPrincipalId(principal);
      if (state != null) {
        try {
          r.setState(GrantState.valueOf("GRANT_STATE_" + state.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--state must be requested, active, denied, expired or revoked");
        }
      }
      return access().call(spec, grants -> grants.listGrants(r.build()));
    }
  }
}
