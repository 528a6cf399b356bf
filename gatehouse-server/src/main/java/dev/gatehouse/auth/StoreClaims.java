package dev.gatehouse.auth;

/**
 * The {@link Claims#extensions()} keys of a caller identified from the store ({@link StoreIdentities}), for
 * authorizers that decide on Temporal Cloud's terms (the Ops API's).
 */
public final class StoreClaims {
  /** {@code user} or {@code service-account}. */
  public static final String PRINCIPAL_TYPE = "gatehouse.principalType";
  /** The user's or service account's id (also {@link Claims#subject()}). */
  public static final String PRINCIPAL_ID = "gatehouse.principalId";
  /** The user's email or the service account's name. */
  public static final String PRINCIPAL_NAME = "gatehouse.principalName";
  /** The account role, {@link dev.gatehouse.store.AccountRole#name()}. */
  public static final String ACCOUNT_ROLE = "gatehouse.accountRole";
  /** The id of the API key the call authenticated with. */
  public static final String API_KEY_ID = "gatehouse.apiKeyId";
  /**
   * The Cloud-level permission per namespace, {@code Map<String, NamespacePermission>}: a user's own and their
   * groups', the most permissive winning; a namespace-scoped service account's one namespace.
   */
  public static final String NAMESPACE_PERMISSIONS = "gatehouse.namespacePermissions";

  /**
   * The elevated grants in effect for this call, {@code Map<String, String>}: namespace → grant id for namespace
   * grants, {@code ""} → grant id for an account role grant. Absent when none is in effect. The audit log names the
   * grant a call was made under.
   */
  public static final String ELEVATED_GRANTS = "gatehouse.elevatedGrants";

  /** {@link Claims#authType()} of a caller identified by an API key. */
  public static final String AUTH_TYPE_API_KEY = "api-key";
  /** {@link Claims#authType()} of a caller identified by a namespace's accepted client CA. */
  public static final String AUTH_TYPE_MTLS = "mtls";

  /** {@link #PRINCIPAL_TYPE} of a user. */
  public static final String USER = "user";
  /** {@link #PRINCIPAL_TYPE} of a service account. */
  public static final String SERVICE_ACCOUNT = "service-account";

  private StoreClaims() {}
}
