package dev.gatehouse.control;

import io.grpc.Status;

/** An Ops API call refused or failed with a status whose description the caller may see. */
final class OpsException extends RuntimeException {
  private final transient Status status;

  OpsException(Status status) {
    super(status.getDescription(), null, false, false);
    this.status = status;
  }

  Status status() {
    return status;
  }
}
