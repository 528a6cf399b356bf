package dev.gatehouse.cli;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.temporal.serviceclient.CloudServiceStubs;
import io.temporal.serviceclient.CloudServiceStubsOptions;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code gatehouse access}: Gatehouse's access governance on the control plane ({@code gatehouse.access.v1}), with
 * the same connection options as {@code gatehouse admin}.
 */
@Command(name = "access", mixinStandardHelpOptions = true,
    description = "Elevated access and access reviews on the control plane (gatehouse.access.v1).",
    subcommands = {ReviewCommand.class})
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

  /** For tests: the environment to read the API key from. */
  Function<String, String> env = System::getenv;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  String key() {
    String key = apiKey != null ? apiKey : env.apply(AdminCommand.API_KEY_ENV);
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("no API key: pass --api-key or set " + AdminCommand.API_KEY_ENV);
    }
    return key;
  }

  /** A connection to the control plane (the API key goes on each call); closed by the caller. */
  CloudServiceStubs connect() throws Exception {
    CloudServiceStubsOptions.Builder options = CloudServiceStubsOptions.newBuilder().setTarget(address);
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

  /** The {@code access} command above {@code spec}. */
  static AccessCommand of(CommandLine.Model.CommandSpec spec) {
    CommandLine c = spec.commandLine();
    while (!(c.getCommand() instanceof AccessCommand)) {
      c = c.getParent();
    }
    return c.getCommand();
  }
}
