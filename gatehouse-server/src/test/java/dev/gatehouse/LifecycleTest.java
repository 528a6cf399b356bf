package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LifecycleTest {
  private final List<String> events = new ArrayList<>();
  private final Lifecycle lifecycle = new Lifecycle();
  private final Logger logger = (Logger) LoggerFactory.getLogger(Lifecycle.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void startsInOrderAndClosesInReverse() {
    lifecycle.add(part("store"));
    lifecycle.add(part("data plane"));
    lifecycle.add(part("codec server"));

    lifecycle.start();
    lifecycle.close();

    assertThat(events).containsExactly("start store", "start data plane", "start codec server",
        "close codec server", "close data plane", "close store");
  }

  @Test
  void aFailedStartClosesEveryComponentInReverseAndNamesTheOneThatFailed() throws Exception {
    lifecycle.add(part("data plane"));
    lifecycle.add(failingToStart("codec server",
        new IOException("Failed to bind to /127.0.0.1:7244", new BindException("Address already in use"))));
    lifecycle.add(part("health and metrics endpoint"));
    CompletableFuture<Void> terminated = awaitTermination();

    assertThatThrownBy(lifecycle::start)
        .isInstanceOf(GatehouseStartException.class)
        .hasMessage("cannot start the codec server: Failed to bind to /127.0.0.1:7244: Address already in use")
        .hasCauseInstanceOf(IOException.class);

    // The endpoint never started, but it was built and may hold threads: it is closed too.
    assertThat(events).containsExactly("start data plane", "start codec server",
        "close health and metrics endpoint", "close codec server", "close data plane");
    terminated.get(30, TimeUnit.SECONDS);
    assertThatIllegalStateException().isThrownBy(lifecycle::start).withMessage("closed");
  }

  @Test
  void aComponentThatFailsToCloseDoesNotKeepTheOthersOpen() throws Exception {
    lifecycle.add(part("scheduler"));
    lifecycle.add(failingToClose("access controller", new IllegalStateException("still busy")));
    lifecycle.add(part("data plane"));
    lifecycle.start();
    CompletableFuture<Void> terminated = awaitTermination();
    assertThat(terminated).isNotDone();

    lifecycle.close();

    assertThat(events).endsWith("close data plane", "close access controller", "close scheduler");
    terminated.get(30, TimeUnit.SECONDS);
    assertThat(logs.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).isEqualTo("access controller did not close cleanly: still busy");
      assertThat(e.getThrowableProxy()).isNull();
    });
  }

  @Test
  void anErrorWhileStartingStillClosesWhatStarted() {
    lifecycle.add(part("data plane"));
    lifecycle.add(Component.of("codec server", () -> {
      throw new LinkageError("missing class");
    }, () -> events.add("close codec server")));

    assertThatThrownBy(lifecycle::start).isInstanceOf(LinkageError.class);

    assertThat(events).containsExactly("start data plane", "close codec server", "close data plane");
  }

  @Test
  void closingTwiceClosesOnceAndClosingUnstartedClosesWhatWasBuilt() {
    lifecycle.add(part("frontend TLS"));

    lifecycle.close();
    lifecycle.close();

    assertThat(events).containsExactly("close frontend TLS");
  }

  @Test
  void componentsCannotBeAddedOnceStarted() {
    lifecycle.start();

    assertThatIllegalStateException().isThrownBy(() -> lifecycle.add(part("late")));
    assertThatIllegalStateException().isThrownBy(lifecycle::start).withMessage("already started");
  }

  @Test
  void theReasonKeepsEveryDistinctMessageOfTheCauseChainOnOneLine() {
    IOException bind = new IOException("Failed to bind to /127.0.0.1:7244", new BindException("Address already in use"));

    assertThat(Lifecycle.reason(new RuntimeException(bind)))
        .isEqualTo("java.io.IOException: Failed to bind to /127.0.0.1:7244: Address already in use");
    assertThat(Lifecycle.reason(new IllegalStateException("two\n  lines"))).isEqualTo("two lines");
    assertThat(Lifecycle.reason(new NullPointerException())).isEqualTo("NullPointerException");
  }

  private CompletableFuture<Void> awaitTermination() {
    return CompletableFuture.runAsync(() -> {
      try {
        lifecycle.awaitTermination();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
  }

  private Component part(String name) {
    return Component.of(name, () -> events.add("start " + name), () -> events.add("close " + name));
  }

  private Component failingToStart(String name, Exception failure) {
    return Component.of(name, () -> {
      events.add("start " + name);
      throw failure;
    }, () -> events.add("close " + name));
  }

  private Component failingToClose(String name, Exception failure) {
    return Component.of(name, () -> events.add("start " + name), () -> {
      events.add("close " + name);
      throw failure;
    });
  }
}
