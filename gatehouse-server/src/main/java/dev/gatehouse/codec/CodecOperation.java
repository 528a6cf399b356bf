package dev.gatehouse.codec;

import dev.gatehouse.codec.EncryptionCodecException.Reason;
import io.temporal.api.common.v1.Payload;
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

  List<Payload> apply(EncryptionCodec codec, List<Payload> payloads) {
    return this == ENCODE ? codec.encode(payloads) : codec.decode(payloads);
  }

  /** True for refusals that say something about the payload rather than about the server's keys. */
  static boolean isPayloadFault(Reason reason) {
    return reason != Reason.KEY_PROVIDER_FAILED && reason != Reason.ENCRYPTION_FAILED
        && reason != Reason.INVALID_KEYRING;
  }
}
