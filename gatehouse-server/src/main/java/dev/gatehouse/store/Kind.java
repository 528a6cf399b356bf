package dev.gatehouse.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * One kind of entity: its name in the {@code entities} table, its record, and how its unique name compares. The
 * record is kept as JSON in the {@code body} column; its {@link Meta} (and an API key's last use) live in columns.
 */
final class Kind<T extends Entity> {
  static final Kind<Namespace> NAMESPACE = new Kind<>("namespace", Namespace.class, "namespace", "name", false);
  static final Kind<User> USER = new Kind<>("user", User.class, "user", "email", true);
  static final Kind<UserGroup> USER_GROUP = new Kind<>("userGroup", UserGroup.class, "user group", "display name",
      false);
  static final Kind<ServiceAccount> SERVICE_ACCOUNT =
      new Kind<>("serviceAccount", ServiceAccount.class, "service account", "name", false);
  static final Kind<ApiKey> API_KEY = new Kind<>("apiKey", ApiKey.class, "API key", "id", false);
  static final Kind<AsyncOperation> ASYNC_OPERATION =
      new Kind<>("asyncOperation", AsyncOperation.class, "async operation", "id", false);

  static final Kind<ReviewCampaign> REVIEW_CAMPAIGN =
      new Kind<>("reviewCampaign", ReviewCampaign.class, "review campaign", "name", false);
  static final Kind<ReviewItem> REVIEW_ITEM = new Kind<>("reviewItem", ReviewItem.class, "review item", "id", false);

  static final Kind<ElevatedGrant> ELEVATED_GRANT =
      new Kind<>("elevatedGrant", ElevatedGrant.class, "elevated grant", "id", false);

  static final List<Kind<?>> ALL = List.of(NAMESPACE, USER, USER_GROUP, SERVICE_ACCOUNT, API_KEY, ASYNC_OPERATION,
      ELEVATED_GRANT, REVIEW_CAMPAIGN, REVIEW_ITEM);

  private static final ObjectMapper JSON = JsonMapper.builder()
      .addModule(new SimpleModule("gatehouse-store")
          .addSerializer(Instant.class, new InstantSerializer())
          .addDeserializer(Instant.class, new InstantDeserializer()))
      // A newer replica may have written a field this one does not know yet.
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .addMixIn(Namespace.class, MetaInColumns.class)
      .addMixIn(User.class, MetaInColumns.class)
      .addMixIn(UserGroup.class, MetaInColumns.class)
      .addMixIn(ServiceAccount.class, MetaInColumns.class)
      .addMixIn(ApiKey.class, MetaInColumns.class)
      .addMixIn(AsyncOperation.class, MetaInColumns.class)
      .addMixIn(ReviewCampaign.class, OnlyMetaInColumns.class)
      .addMixIn(ReviewItem.class, OnlyMetaInColumns.class)
      .addMixIn(ElevatedGrant.class, MetaInColumns.class)
      .build();

  final String name;
  final Class<T> type;
  final String noun;
  final String nameField;
  private final boolean caseInsensitive;

  private Kind(String name, Class<T> type, String noun, String nameField, boolean caseInsensitive) {
    this.name = name;
    this.type = type;
    this.noun = noun;
    this.nameField = nameField;
    this.caseInsensitive = caseInsensitive;
  }

  /** The kind stored under {@code name}, or {@code null} for one this version does not know (a newer replica's). */
  static Kind<?> named(String name) {
    for (Kind<?> kind : ALL) {
      if (kind.name.equals(name)) {
        return kind;
      }
    }
    return null;
  }

  /** The unique name as the {@code unique_name} column holds it. */
  String normalize(String uniqueName) {
    return caseInsensitive ? uniqueName.toLowerCase(Locale.ROOT) : uniqueName;
  }

  String body(T entity) {
    try {
      return JSON.writeValueAsString(entity);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a " + noun + " as JSON", e);
    }
  }

  T read(String body, Meta meta, Instant lastUsed) {
    T entity;
    try {
      entity = JSON.readValue(body, type);
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.UNAVAILABLE, "a stored " + noun + " cannot be read");
    }
    Entity withMeta = entity.withMeta(meta);
    if (withMeta instanceof ApiKey k && lastUsed != null) {
      withMeta = new ApiKey(k.id(), k.ownerId(), k.ownerType(), k.displayName(), k.description(), k.expiry(),
          k.disabled(), lastUsed, k.meta());
    }
    return type.cast(withMeta);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Meta lives in columns, and an API key's last use in its own table, which writes do not move. */
  @JsonIgnoreProperties({"meta", "lastUsed"})
  private abstract static class MetaInColumns {}

  /** A review item's {@code lastUsed} is the snapshot's copy and lives in its body. */
  @JsonIgnoreProperties({"meta"})
  private abstract static class OnlyMetaInColumns {}

  private static final class InstantSerializer extends JsonSerializer<Instant> {
    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(value.toString());
    }
  }

  private static final class InstantDeserializer extends JsonDeserializer<Instant> {
    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return Instant.parse(p.getValueAsString());
      } catch (DateTimeParseException | NullPointerException e) {
        throw new IOException("not an instant");
      }
    }
  }
}
