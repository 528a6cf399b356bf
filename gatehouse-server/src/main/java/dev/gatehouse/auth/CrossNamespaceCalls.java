package dev.gatehouse.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.gatehouse.api.ApiCatalog;
import dev.gatehouse.api.ApiMethod;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.RequestCancelExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the other namespaces a call reaches into, reading the raw request without parsing it whole:
 * <ul>
 *   <li>{@code RespondWorkflowTaskCompleted} commands: {@code SignalExternalWorkflowExecution} (checked as
 *       {@code SignalWorkflowExecution}), {@code StartChildWorkflowExecution} (as {@code StartWorkflowExecution}),
 *       {@code RequestCancelExternalWorkflowExecution} (as {@code RequestCancelWorkflowExecution});</li>
 *   <li>{@code ExecuteMultiOperation} operations: {@code start_workflow} and {@code update_workflow}, whose requests
 *       carry their own namespace.</li>
 * </ul>
 * Every occurrence of a namespace field is reported, including ones a protobuf merge would overwrite, so the set
 * checked is never smaller than what the upstream acts on. A field with an unexpected wire type fails the scan.
 */
final class CrossNamespaceCalls {
  /** A namespace the call reaches and the method it amounts to there. */
  record Reach(ApiMethod asMethod, String namespace) {}

  private static final class Node {
    final int[] fields;
    final Node[] children;
    final ApiMethod[] leaves;

    Node(int[] fields, Node[] children, ApiMethod[] leaves) {
      this.fields = fields;
      this.children = children;
      this.leaves = leaves;
    }
  }

  private final Map<String, Node> byMethod;

  CrossNamespaceCalls(ApiCatalog catalog) {
    ApiMethod signal = require(catalog, "SignalWorkflowExecution");
    ApiMethod start = require(catalog, "StartWorkflowExecution");
    ApiMethod cancel = require(catalog, "RequestCancelWorkflowExecution");
    ApiMethod update = require(catalog, "UpdateWorkflowExecution");

    Node command = new Node(
        new int[] {
            Command.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_COMMAND_ATTRIBUTES_FIELD_NUMBER,
            Command.START_CHILD_WORKFLOW_EXECUTION_COMMAND_ATTRIBUTES_FIELD_NUMBER,
            Command.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_COMMAND_ATTRIBUTES_FIELD_NUMBER},
        new Node[] {
            leaf(SignalExternalWorkflowExecutionCommandAttributes.NAMESPACE_FIELD_NUMBER, signal),
            leaf(StartChildWorkflowExecutionCommandAttributes.NAMESPACE_FIELD_NUMBER, start),
            leaf(RequestCancelExternalWorkflowExecutionCommandAttributes.NAMESPACE_FIELD_NUMBER, cancel)},
        new ApiMethod[3]);
    Node completion = new Node(new int[] {RespondWorkflowTaskCompletedRequest.COMMANDS_FIELD_NUMBER},
        new Node[] {command}, new ApiMethod[1]);

    Node operation = new Node(
        new int[] {
            ExecuteMultiOperationRequest.Operation.START_WORKFLOW_FIELD_NUMBER,
            ExecuteMultiOperationRequest.Operation.UPDATE_WORKFLOW_FIELD_NUMBER},
        new Node[] {
            leaf(StartWorkflowExecutionRequest.NAMESPACE_FIELD_NUMBER, start),
            leaf(UpdateWorkflowExecutionRequest.NAMESPACE_FIELD_NUMBER, update)},
        new ApiMethod[2]);
    Node multi = new Node(new int[] {ExecuteMultiOperationRequest.OPERATIONS_FIELD_NUMBER},
        new Node[] {operation}, new ApiMethod[1]);

    Map<String, Node> m = new HashMap<>();
    m.put(require(catalog, "RespondWorkflowTaskCompleted").fullName(), completion);
    m.put(require(catalog, "ExecuteMultiOperation").fullName(), multi);
    this.byMethod = Map.copyOf(m);
  }

  private static Node leaf(int field, ApiMethod as) {
    return new Node(new int[] {field}, new Node[1], new ApiMethod[] {as});
  }

  private static ApiMethod require(ApiCatalog catalog, String method) {
    ApiMethod m = catalog.find(ApiCatalog.WORKFLOW + "/" + method);
    if (m == null) {
      throw new IllegalStateException(method + " missing from the API catalog");
    }
    return m;
  }

  /** True when {@code method}'s requests can reach other namespaces. */
  boolean inspects(ApiMethod method) {
    return byMethod.containsKey(method.fullName());
  }

  /** The non-empty namespaces named inside {@code request}; empty when the method reaches no other namespace. */
  List<Reach> scan(ApiMethod method, byte[] request) throws InvalidProtocolBufferException {
    Node root = byMethod.get(method.fullName());
    if (root == null || request == null) {
      return List.of();
    }
    List<Reach> out = new ArrayList<>(0);
    CodedInputStream in = CodedInputStream.newInstance(request);
    in.enableAliasing(true);
    scan(root, in, out);
    return out;
  }

  private static void scan(Node node, CodedInputStream in, List<Reach> out) throws InvalidProtocolBufferException {
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        int i = indexOf(node.fields, field);
        if (i < 0) {
          in.skipField(tag);
          continue;
        }
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          throw new InvalidProtocolBufferException("field " + field + " has an unexpected wire type");
        }
        ByteString value = in.readBytes();
        if (node.leaves[i] != null) {
          if (!value.isValidUtf8()) {
            throw new InvalidProtocolBufferException("namespace is not valid UTF-8");
          }
          if (!value.isEmpty()) {
            out.add(new Reach(node.leaves[i], value.toStringUtf8()));
          }
        } else {
          CodedInputStream nested = value.newCodedInput();
          nested.enableAliasing(true);
          scan(node.children[i], nested, out);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  private static int indexOf(int[] fields, int field) {
    for (int i = 0; i < fields.length; i++) {
      if (fields[i] == field) {
        return i;
      }
    }
    return -1;
  }
}
