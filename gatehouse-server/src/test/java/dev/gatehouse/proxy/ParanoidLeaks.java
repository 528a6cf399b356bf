package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's paranoid leak detector for one test: it tracks every buffer and logs {@code LEAK:} for one collected
 * unreleased. {@link #assertNoLeaks()} leaks a buffer on purpose last; once that one is reported, the detector has
 * run over the garbage of everything before it.
 *
 * <p>The detector's level is read on every allocation, so setting it here has the effect of
 * {@code -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid} (the shaded Netty's property name) for the
 * test's calls.
 */
final class ParanoidLeaks implements AutoCloseable {
  private static final String CONTROL_HINT = "gatehouse-leak-detection-control";

  private final ListAppender<ILoggingEvent> leakLogs = new ListAppender<>();
  private final Logger leakLogger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
  private final ResourceLeakDetector.Level previousLevel;
  private final Level previousLogLevel;

  ParanoidLeaks() {
    previousLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    previousLogLevel = leakLogger.getLevel();
    leakLogger.setLevel(Level.ERROR);
    leakLogs.start();
    leakLogger.addAppender(leakLogs);
  }

  /** Call after everything the test made is closed, so its buffers are garbage. */
  void assertNoLeaks() {
    leakOnPurpose();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      for (int i = 0; i < 64; i++) {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
        PooledByteBufAllocator.DEFAULT.heapBuffer(64).release();
      }
      return leaks().stream().anyMatch(m -> m.contains(CONTROL_HINT));
    });
    assertThat(leaks()).filteredOn(m -> !m.contains(CONTROL_HINT)).isEmpty();
  }

  /** In its own frame, so no live local keeps the buffer reachable while the detector waits for it. */
  private static void leakOnPurpose() {
    ByteBuf control = PooledByteBufAllocator.DEFAULT.directBuffer(16);
    control.touch(CONTROL_HINT);
  }

  private List<String> leaks() {
    return leakLogs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("LEAK")).toList();
  }

  @Override
  public void close() {
    leakLogger.detachAppender(leakLogs);
    leakLogger.setLevel(previousLogLevel);
    ResourceLeakDetector.setLevel(previousLevel);
  }
}
