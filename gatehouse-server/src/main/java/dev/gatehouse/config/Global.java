package dev.gatehouse.config;

/** Temporal's {@code global} section: the parts Gatehouse understands. */
public record Global(RootTls tls, Authorization authorization) {
  public static final Global DEFAULT = new Global(null, null);

  public Global {
    tls = tls == null ? RootTls.DEFAULT : tls;
    authorization = authorization == null ? Authorization.DEFAULT : authorization;
  }
}
