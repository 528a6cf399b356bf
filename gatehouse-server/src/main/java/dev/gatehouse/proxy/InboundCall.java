package dev.gatehouse.proxy;

import dev.gatehouse.tls.PeerCertificate;
import io.grpc.Metadata;
import java.net.SocketAddress;

/**
 * A call as the pipeline sees it before forwarding.
 *
 * @param fullMethodName e.g. {@code temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution}
 * @param namespace read from the request body (never from a header); {@code ""} when the method has none
 * @param headers the headers that will be forwarded upstream, forged identity headers already removed
 * @param peer the verified client certificate, or {@code null} without mTLS
 * @param remoteAddress the caller's address
 * @param request the raw request message; gates must not modify it
 */
public record InboundCall(
    String fullMethodName,
    String namespace,
    Metadata headers,
    PeerCertificate peer,
    SocketAddress remoteAddress,
    byte[] request) {}
