package dev.gatehouse.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.dev.EmbeddedTemporal;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.Test;

class WorkloadTest {
  @Test
  void optionsNameTheSizes() {
    assertThat(Workload.parse("describe")).isEqualTo(Workload.DESCRIBE);
    assertThat(Workload.parse("2k").payloadBytes()).isEqualTo(2048);
    assertThat(Workload.parse("64k").payloadBytes()).isEqualTo(65536);
    assertThat(Workload.parse("1m").payloadBytes()).isEqualTo(1 << 20);
    assertThatThrownBy(() -> Workload.parse("2K")).hasMessageContaining("--payload takes describe, 2k, 64k or 1m");
  }

  @Test
  void theStartRequestCarriesItsPayloadAndLittleElse() {
    int size = Workload.START_2K.startRequest().getSerializedSize();
    assertThat(size).isBetween(2048, 2048 + 512);
    // The same bytes every time: runs and rounds send identical requests.
    assertThat(Workload.START_2K.startRequest()).isEqualTo(Workload.START_2K.startRequest());
  }

  /** Against the in-memory server in this JVM: the calls work, repeat without error, and are the sizes named. */
  @Test
  void everyWorkloadRunsRepeatedlyAgainstTheInMemoryServer() {
    try (EmbeddedTemporal server = EmbeddedTemporal.start(0, null)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress(server.address()).usePlaintext()
          .maxInboundMessageSize(128 * 1024 * 1024).build();
      try {
        WorkflowServiceGrpc.WorkflowServiceBlockingStub stub = WorkflowServiceGrpc.newBlockingStub(channel);
        for (Workload w : Workload.values()) {
          w.prepare(stub);
          w.call(stub);
          w.call(stub); // USE_EXISTING: a second start of the same workflow is no error
        }
        for (Workload w : new Workload[] {Workload.HISTORY_64K, Workload.HISTORY_1M}) {
          GetWorkflowExecutionHistoryResponse r = stub.getWorkflowExecutionHistory(w.historyRequest());
          assertThat(r.getSerializedSize()).isBetween(w.payloadBytes(), w.payloadBytes() + 2048);
          assertThat(r.getHistory().getEvents(0).getWorkflowExecutionStartedEventAttributes().getInput()
              .getPayloads(0).getData().size()).isEqualTo(w.payloadBytes());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
