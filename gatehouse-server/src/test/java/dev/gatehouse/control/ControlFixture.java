package dev.gatehouse.control;

import com.google.protobuf.Timestamp;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.audit.AuditBroker;
import dev.gatehouse.audit.AuditLogs;
import dev.gatehouse.audit.AuditReader;
import dev.gatehouse.auth.AccessController;
import dev.gatehouse.auth.CloudAccessPolicy;
import dev.gatehouse.auth.PluginContext;
import dev.gatehouse.auth.StoreIdentities;
import dev.gatehouse.store.ApiKeySecrets;
import dev.gatehouse.config.Audit;
import dev.gatehouse.config.Authorization;
import dev.gatehouse.dev.DevPki;
import dev.gatehouse.pipeline.CallPipeline;
import dev.gatehouse.store.Access;
import dev.gatehouse.store.AccountRole;
import dev.gatehouse.store.AccountStore;
import dev.gatehouse.store.ApiKey;
import dev.gatehouse.store.NamespacePermission;
import dev.gatehouse.store.OwnerType;
import dev.gatehouse.store.ServiceAccount;
import dev.gatehouse.store.User;
import dev.gatehouse.tls.ListenerTls;
import dev.gatehouse.config.ServerTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.api.cloud.cloudservice.v1.CloudServiceGrpc;
import io.temporal.serviceclient.CloudServiceStubs;
import io.temporal.serviceclient.CloudServiceStubsOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A control plane on port 0 over real TLS (the dev PKI), with a real audit log in a temp dir, against
 * {@code store}, answering {@link CloudServiceStubs} clients.
 */
public final class ControlFixture implements AutoCloseable {
  final AccountStore store;
  final Clock clock = Clock.systemUTC();
  final ApiKeyIssuer keys;
  final StoreIdentities identities;
  final Path auditDir;
  public final ControlPlaneServer server;
  private final AccessController access;
  private final AuditBroker audit;
  private final java.util.concurrent.ScheduledExecutorService scheduler;
  public final DevPki pki;
  private final List<CloudServiceStubs> clients = new ArrayList<>();
  /** The threads that asked for the upstream (RegisterNamespace). */
  final List<String> upstreamThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

  public ControlFixture(AccountStore store, Path dir) {
    this.store = store;
    ApiKeySecrets secrets = ApiKeySecrets.forStore(store);
    this.keys = ApiKeyIssuer.of(secrets);
    this.pki = DevPki.ensure(dir.resolve("pki"));
    this.auditDir = dir.resolve("audit");
    Authorization auth = Authorization.DEFAULT;
    this.scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    this.identities = StoreIdentities.start(store, secrets, PluginContext.builder(auth).scheduler(scheduler).build());
    this.access = AccessController.builder(auth).catalog(ApiCatalog.cloud()).claimMapper(identities.apiKeyMapper())
        .authorizer(CloudAccessPolicy.INSTANCE).build();
    Audit config = new Audit(true, "blocking", "n1", auditDir.toString(), null, null, null, false, null, null,
        null, null, null, null);
    this.audit = AuditLogs.fromConfig(config, ApiCatalog.cloud(),
        PluginContext.builder(auth).scheduler(scheduler).build());
    audit.start();
    CallPipeline pipeline = CallPipeline.builder(access).auditLog(audit).build();
    SslContext tls = ListenerTls.serverContext(new ServerTls(pki.serverCert().toString(),
        pki.serverKey().toString(), null, null, null, null, false), "controlPlane.tls", null, k -> null);
    this.server = ControlPlaneServer.builder()
        .listen(new InetSocketAddress("127.0.0.1", 0))
        .tls(tls)
        .pipeline(pipeline)
        .store(store)
        .apiKeys(keys)
        .clock(clock)
        .apiKeysPerOwner(3)
        .auditReader(new AuditReader(auditDir))
        .afterChange(identities::refreshNow)
        .upstream(() -> {
          // No upstream here: records which thread asked (the store executor's, never an event loop's).
          upstreamThreads.add(Thread.currentThread().getName());
          throw new IllegalStateException("no upstream in this fixture");
        })
        .build()
        .start();
    store.initialise("test-account");
  }

  /** A user with {@code role} and namespace permissions, and an API key of theirs. */
  public Principal user(String email, AccountRole role, Map<String, NamespacePermission> namespaces) {
    User u = store.users().create(new User(CloudOps.newId(), email, new Access(role, namespaces), null));
    String token = key(u.id(), OwnerType.USER);
    identities.refreshNow();
    return new Principal(u.id(), token);
  }

  Principal serviceAccount(String name, AccountRole role, Map<String, NamespacePermission> namespaces) {
    ServiceAccount s = store.serviceAccounts().create(new ServiceAccount(CloudOps.newId(), name, "",
        new Access(role, namespaces), null, null, null));
    String token = key(s.id(), OwnerType.SERVICE_ACCOUNT);
    identities.refreshNow();
    return new Principal(s.id(), token);
  }

  private String key(String owner, OwnerType type) {
    ApiKeyIssuer.IssuedKey k = keys.issue();
    store.createApiKey(new ApiKey(k.keyId(), owner, type, "test key", "", clock.instant().plus(Duration.ofDays(30)),
        false, null, null), k.secretHash());
    return k.token();
  }

  CloudServiceGrpc.CloudServiceBlockingStub as(String token) {
    return stubs(token).blockingStub();
  }

  CloudServiceStubs stubs(String token) {
    try {
      SslContext client = GrpcSslContexts.forClient().trustManager(pki.caCert().toFile()).build();
      CloudServiceStubsOptions.Builder options = CloudServiceStubsOptions.newBuilder()
          .setTarget("localhost:" + server.port())
          .setSslContext(client);
      if (token != null) {
        options.addApiKey(() -> token);
      }
      CloudServiceStubs stubs = CloudServiceStubs.newServiceStubs(options.build());
      clients.add(stubs);
      return stubs;
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  List<com.fasterxml.jackson.databind.JsonNode> auditRecords() throws java.io.IOException {
    List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
    new AuditReader(auditDir).forEach(AuditReader.Filter.ALL, out::add);
    return out;
  }

  static Timestamp in(Duration d) {
    Instant at = Instant.now().plus(d);
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).build();
  }

  @Override
  public void close() {
    clients.forEach(c -> {
      c.shutdownNow();
    });
    server.close();
    audit.close();
    access.close();
    identities.close();
    scheduler.shutdownNow();
    store.close();
  }

  public record Principal(String id, String token) {}
}
