package dev.gatehouse.config;

/**
 * The whole static configuration of a Gatehouse instance, immutable once loaded.
 *
 * <p>Key names follow Temporal's server configuration where Temporal has one ({@code global.tls},
 * {@code global.authorization}), so an operator can copy those sections across unchanged. Gatehouse's own
 * sections ({@code listen}, {@code upstream}, {@code codecServer}, {@code audit}, {@code store},
 * {@code controlPlane}, {@code httpApi}, {@code webUi}) sit beside {@code global}.
 */
public record GatehouseConfig(
    Global global, Listen listen, Upstream upstream, CodecServer codecServer, Audit audit, Store store,
    ControlPlane controlPlane, HttpApi httpApi, WebUi webUi) {
  public GatehouseConfig {
    global = global == null ? Global.DEFAULT : global;
    listen = listen == null ? Listen.DEFAULT : listen;
    upstream = upstream == null ? Upstream.DEFAULT : upstream;
    codecServer = codecServer == null ? CodecServer.DISABLED : codecServer;
    audit = audit == null ? Audit.ABSENT : audit;
    store = store == null ? Store.DEFAULT : store;
    controlPlane = controlPlane == null ? ControlPlane.DISABLED : controlPlane;
    httpApi = httpApi == null ? HttpApi.DISABLED : httpApi;
    webUi = webUi == null ? WebUi.DISABLED : webUi;
  }

  public GatehouseConfig(Global global, Listen listen, Upstream upstream, CodecServer codecServer, Audit audit) {
    this(global, listen, upstream, codecServer, audit, null, null, null, null);
  }

  /** Without an {@code audit} section. */
  public GatehouseConfig(Global global, Listen listen, Upstream upstream, CodecServer codecServer) {
    this(global, listen, upstream, codecServer, null);
  }

  /** This configuration with {@code audit} instead. */
  public GatehouseConfig withAudit(Audit audit) {
    return new GatehouseConfig(global, listen, upstream, codecServer, audit, store, controlPlane, httpApi, webUi);
  }
}
