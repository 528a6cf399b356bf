package dev.gatehouse.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.context.WorkflowSerializationContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The codec inside the Temporal SDK's own data converter, as a worker would use it. */
class DataConverterTest {

  public record Order(String id, long cents, List<String> items) {
  }

  private final EncryptionCodec codec = EncryptionCodec.builder().keyring(Keyring.of(Key.generate("k1")))
      .defaultNamespace("orders").build();
  // SDK 1.38.0 has no DefaultDataConverter#withPayloadCodec; CodecDataConverter is how a codec is attached.
  private final DataConverter converter =
      new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));

  @Test
  void roundTripsValuesThroughTheSdkDataConverter() {
    Order order = new Order("o-17", 129_99, List.of("secret-sku-1", "secret-sku-2"));

    Payload payload = converter.toPayload(order).orElseThrow();

    assertThat(payload.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
    assertThat(new String(payload.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("secret-sku")
        .doesNotContain("json/plain");
    assertThat(converter.fromPayload(payload, Order.class, Order.class)).isEqualTo(order);
  }

  @Test
  void roundTripsArgumentListsWithAWorkflowContext() {
    DataConverter inPayments = converter.withContext(new WorkflowSerializationContext("payments", "wf-1"));
    Optional<Payloads> payloads = inPayments.toPayloads("hello", 42, Map.of("k", "v"));
    assertThat(payloads.orElseThrow().getPayloadsList())
        .allSatisfy(p -> assertThat(p.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted"));

    assertThat(inPayments.fromPayloads(0, payloads, String.class, String.class)).isEqualTo("hello");
    assertThat(inPayments.fromPayloads(1, payloads, Integer.class, Integer.class)).isEqualTo(42);
    Object map = inPayments.fromPayloads(2, payloads, Map.class, Map.class);
    assertThat(map).isEqualTo(Map.of("k", "v"));
  }

  @Test
  void aPayloadFromAnotherNamespaceDoesNotDecode() {
    DataConverter inPayments = converter.withContext(new WorkflowSerializationContext("payments", "wf-1"));
    DataConverter inOrders = converter.withContext(new WorkflowSerializationContext("orders-eu", "wf-1"));
    Payload payload = inPayments.toPayload("card 4111").orElseThrow();

    assertThatThrownBy(() -> inOrders.fromPayload(payload, String.class, String.class))
        .satisfies(e -> assertThat(codecFailure(e).reason()).isEqualTo(Reason.AUTHENTICATION_FAILED));
    // Without a context the default namespace ("orders") applies, which is not "payments" either.
    assertThatThrownBy(() -> converter.fromPayload(payload, String.class, String.class))
        .satisfies(e -> assertThat(codecFailure(e).reason()).isEqualTo(Reason.AUTHENTICATION_FAILED));
  }

  @Test
  void noContextAndTheDefaultNamespaceContextAreInterchangeable() {
    DataConverter inOrders = converter.withContext(new WorkflowSerializationContext("orders", "wf-1"));
    Payload payload = converter.toPayload("v").orElseThrow();
    assertThat(inOrders.fromPayload(payload, String.class, String.class)).isEqualTo("v");
  }

  private static EncryptionCodecException codecFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EncryptionCodecException codecException) {
        return codecException;
      }
    }
    throw new AssertionError("no EncryptionCodecException in the cause chain", e);
  }
}
