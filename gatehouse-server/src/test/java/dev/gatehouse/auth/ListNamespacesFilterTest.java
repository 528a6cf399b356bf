package dev.gatehouse.auth;

import static dev.gatehouse.auth.Fixture.WF;
import static dev.gatehouse.auth.Fixture.bearer;
import static dev.gatehouse.auth.Fixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListNamespacesFilterTest {
  private static final String LIST = WF + "ListNamespaces";

  @TempDir Path dir;
  private Fixture f;

  @BeforeEach
  void start() throws Exception {
    f = new Fixture(dir, c -> {});
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static DescribeNamespaceResponse ns(String name) {
    return DescribeNamespaceResponse.newBuilder()
        .setNamespaceInfo(NamespaceInfo.newBuilder().setName(name).setDescription("about " + name))
        .setIsGlobalNamespace(true).build();
  }

  private static byte[] response() {
    return ListNamespacesResponse.newBuilder()
        .addNamespaces(ns("orders")).addNamespaces(ns("billing")).addNamespaces(ns("payments"))
        .addNamespaces(DescribeNamespaceResponse.getDefaultInstance())
        .setNextPageToken(ByteString.copyFromUtf8("page-2"))
        .build().toByteArray();
  }

  private byte[] listAs(String token) {
    AccessCheck c = f.check(bearer(token), LIST, "");
    assertThat(c.allowed()).isTrue();
    assertThat(c.filtersResponse()).isTrue();
    return f.controller.filterResponse(c, response());
  }

  @Test
  void namespaceUsersSeeOnlyWhatTheyMayRead() throws Exception {
    ListNamespacesResponse r = ListNamespacesResponse.parseFrom(listAs(token("a", "orders:read", "payments:write")));
    assertThat(r.getNamespacesList()).extracting(n -> n.getNamespaceInfo().getName())
        .containsExactly("orders", "payments");
    assertThat(r.getNamespaces(0)).isEqualTo(ns("orders"));
    assertThat(r.getNextPageToken().toStringUtf8()).isEqualTo("page-2");
  }

  @Test
  void fieldsGatehouseDoesNotKnowAreCopiedAsTheyAre() throws Exception {
    com.google.protobuf.UnknownFieldSet extra = com.google.protobuf.UnknownFieldSet.newBuilder()
        .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build();
    byte[] withUnknown = ListNamespacesResponse.parseFrom(response()).toBuilder().setUnknownFields(extra).build()
        .toByteArray();
    AccessCheck c = f.check(bearer(token("a", "billing:read")), LIST, "");
    ListNamespacesResponse r = ListNamespacesResponse.parseFrom(f.controller.filterResponse(c, withUnknown));
    assertThat(r.getNamespacesList()).extracting(n -> n.getNamespaceInfo().getName()).containsExactly("billing");
    assertThat(r.getUnknownFields().getField(99).getVarintList()).containsExactly(42L);
    assertThat(r.getNextPageToken().toStringUtf8()).isEqualTo("page-2");
  }

  @Test
  void systemReadersSeeEverythingNamed() throws Exception {
    ListNamespacesResponse r = ListNamespacesResponse.parseFrom(listAs(token("ops", "temporal-system:read")));
    assertThat(r.getNamespacesList()).extracting(n -> n.getNamespaceInfo().getName())
        .containsExactly("orders", "billing", "payments");
  }

  @Test
  void unchangedResponseIsReturnedAsIs() {
    byte[] all = ListNamespacesResponse.newBuilder().addNamespaces(ns("orders")).build().toByteArray();
    AccessCheck c = f.check(bearer(token("a", "orders:read")), LIST, "");
    assertThat(f.controller.filterResponse(c, all)).isSameAs(all);
  }

  @Test
  void callersWithoutAnyReadRoleCannotList() {
    assertThat(f.check(bearer(token("a")), LIST, "").outcome()).isEqualTo(AccessCheck.Outcome.PERMISSION_DENIED);
    assertThat(f.check(bearer(token("a", "orders:worker")), LIST, "").allowed()).isFalse();
    assertThat(f.check(AuthInfo.none(), LIST, "").outcome()).isEqualTo(AccessCheck.Outcome.UNAUTHENTICATED);
  }

  @Test
  void otherResponsesAndDeniedChecksPassThrough() {
    byte[] r = response();
    AccessCheck describe = f.check(bearer(token("a", "orders:read")), WF + "DescribeNamespace", "orders");
    assertThat(describe.filtersResponse()).isFalse();
    assertThat(f.controller.filterResponse(describe, r)).isSameAs(r);
  }

  @Test
  void unreadableResponseBecomesEmpty() throws Exception {
    AccessCheck c = f.check(bearer(token("a", "orders:read")), LIST, "");
    byte[] garbage = {0x0a, 0x7f, 0x01};
    assertThat(ListNamespacesResponse.parseFrom(f.controller.filterResponse(c, garbage)).getNamespacesCount())
        .isZero();
  }
}
