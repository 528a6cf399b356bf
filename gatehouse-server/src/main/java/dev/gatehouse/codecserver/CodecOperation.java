package dev.gatehouse.codecserver;

import com.google.protobuf.ByteString;
import dev.gatehouse.codec.EncryptionCodec;
import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
import java.util.ArrayList;
import java.util.List;

/**
 * The two operations of Temporal's codec server protocol, each authorized as the Temporal API call whose data it
 * touches, so the claim mappers, the authorizer and any plugin decide about the codec server exactly as they do about
 * the data plane.
 */
enum CodecOperation {
  /**
   * Plaintext in, ciphertext out, for the Web UI and CLI starting or signalling a workflow: a write, authorized as
   * {@code StartWorkflowExecution}.
   */
  ENCODE("encode", "/temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution",
      "payload could not be encoded"),
  /**
   * Ciphertext in, plaintext out: exactly what reading a workflow's history reveals, authorized as
   * {@code GetWorkflowExecutionHistory}. A caller who may not read a namespace's history may not decrypt its payloads,
   * so the codec server is never a decryption oracle.
   */
  DECODE("decode", "/temporal.api.workflowservice.v1.WorkflowService/GetWorkflowExecutionHistory",
      "payload could not be decoded");

  // gatehouse-codec's wire format (see its README): what marks a payload as encrypted by EncryptionCodec.
  private static final ByteString ENCRYPTED = ByteString.copyFromUtf8("binary/encrypted");
  private static final ByteString OUR_CIPHER = ByteString.copyFromUtf8("gatehouse/AES-256-GCM/v1");

  private final String pathSegment;
  private final String apiMethod;
  private final String failure;

  CodecOperation(String pathSegment, String apiMethod, String failure) {
    this.pathSegment = pathSegment;
    this.apiMethod = apiMethod;
    this.failure = failure;
  }

  /** The last path segment naming this operation, also its metrics tag. */
  String pathSegment() {
    return pathSegment;
  }

  /** The Temporal API method this operation is authorized as. */
  String apiMethod() {
    return apiMethod;
  }

  /** What the caller is told when the codec refuses a payload; deliberately without the reason. */
  String failure() {
    return failure;
  }

  /**
   * Encodes, or decodes: payloads that EncryptionCodec did not encrypt (plain ones, and those another codec
   * encrypted) are returned unchanged, as Temporal's codec servers do, so a history mixing formats still shows;
   * returning a foreign ciphertext unchanged reveals nothing. A payload in EncryptionCodec's format that does not
   * authenticate fails the whole request.
   */
  List<Payload> apply(EncryptionCodec codec, List<Payload> payloads) {
    if (this == ENCODE) {
      return codec.encode(payloads);
    }
    if (payloads.stream().noneMatch(CodecOperation::foreign)) {
      return codec.decode(payloads);
    }
    List<Payload> out = new ArrayList<>(payloads.size());
    for (Payload p : payloads) {
      out.add(foreign(p) ? p : codec.decode(List.of(p)).get(0));
    }
    return out;
  }

  /** Encrypted, but not by EncryptionCodec's format (e.g. Temporal's encryption samples). */
  static boolean foreign(Payload p) {
    return ENCRYPTED.equals(p.getMetadataOrDefault("encoding", null))
        && !OUR_CIPHER.equals(p.getMetadataOrDefault("encryption-cipher", null));
  }

  /** True for refusals that say something about the payload rather than about the server's keys. */
  static boolean isPayloadFault(Reason reason) {
    return reason != Reason.KEY_PROVIDER_FAILED && reason != Reason.ENCRYPTION_FAILED
        && reason != Reason.INVALID_KEYRING;
  }
}
