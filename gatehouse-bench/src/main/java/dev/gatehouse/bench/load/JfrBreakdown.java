package dev.gatehouse.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The CPU breakdown of a gateway's JFR recording: each sample is charged to the leaf-most frame that belongs to a
 * known layer (Gatehouse, grpc-java's call layer, grpc's Netty transport and Netty's HTTP/2 codec, Netty's epoll
 * transport, the rest of Netty, TLS), skipping the JDK's general libraries (collections, arrays) so that their time
 * goes to the caller. Kernel time is not in the samples' split: read it from the harness's per-process sys CPU.
 *
 * <p>Usage: {@code java -cp gatehouse-bench.jar dev.gatehouse.bench.load.JfrBreakdown FILE.jfr [EVENT [THREADS]]},
 * EVENT {@code jdk.CPUTimeSample} (JDK 25, counts native code such as BoringSSL; the default) or
 * {@code jdk.ExecutionSample}; THREADS a regex of thread names (default: the event loops).
 */
public final class JfrBreakdown {
  private JfrBreakdown() {}

  static String layer(String type) {
    if (type.contains(".netty.handler.ssl.") || type.startsWith("sun.security.") || type.startsWith("com.sun.crypto.")
        || type.startsWith("javax.crypto.") || type.contains("tcnative")) {
      return "TLS (SslHandler, BoringSSL, JDK crypto)";
    }
    if (type.contains(".netty.handler.codec.http2.") || type.startsWith("io.grpc.netty.shaded.io.grpc.netty.")) {
      return "Netty HTTP/2 + grpc's Netty transport";
    }
    if (type.contains(".netty.channel.epoll.") || type.contains(".netty.channel.unix.")) {
      return "Netty epoll transport (socket syscalls)";
    }
    if (type.startsWith("io.grpc.netty.shaded.io.netty.")) {
      return "Netty core (pipeline, event loop, buffers)";
    }
    if (type.startsWith("io.grpc.") || type.startsWith("com.google.common.")) {
      return "grpc-java call layer";
    }
    if (type.startsWith("dev.gatehouse.") || type.startsWith("com.google.protobuf.") || type.startsWith("java.util.zip.")) {
      return "Gatehouse (incl. protobuf scans, gzip)";
    }
    if (type.startsWith("io.micrometer.") || type.startsWith("ch.qos.") || type.startsWith("org.slf4j.")) {
      return "Gatehouse (metrics, logging)";
    }
    return null;
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: JfrBreakdown FILE.jfr [EVENT [THREADS]]");
      System.exit(2);
    }
    String event = args.length > 1 ? args[1] : "jdk.CPUTimeSample";
    String threads = args.length > 2 ? args[2] : "epollEventLoopGroup.*|nioEventLoopGroup.*|grpc-.*";
    Map<String, Long> layers = new TreeMap<>();
    Map<String, Long> ours = new HashMap<>();
    long samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      RecordedStackTrace stack = e.getStackTrace();
      if (!e.getEventType().getName().equals(event) || stack == null) {
        continue;
      }
      String thread = e.getThread() == null ? "" : e.getThread().getJavaName();
      if (thread == null || !thread.matches(threads)) {
        continue;
      }
      samples++;
      String layer = "JDK only";
      String leaf = "";
      for (RecordedFrame f : stack.getFrames()) {
        String type = f.getMethod().getType().getName();
        String l = layer(type);
        if (l != null) {
          layer = l;
          leaf = type + "." + f.getMethod().getName();
          break;
        }
      }
      layers.merge(layer, 1L, Long::sum);
      if (layer.startsWith("Gatehouse")) {
        ours.merge(leaf, 1L, Long::sum);
      }
    }
    final long total = Math.max(1, samples);
    System.out.println(event + " samples on threads /" + threads + "/: " + samples);
    layers.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(x -> System.out.printf("%5.1f %%  %s%n", 100.0 * x.getValue() / total, x.getKey()));
    System.out.println("Gatehouse's leaf frames, top 12:");
    ours.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
        .forEach(x -> System.out.printf("%5.1f %%  %s%n", 100.0 * x.getValue() / total, x.getKey()));
  }
}
