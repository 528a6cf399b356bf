package dev.gatehouse.bench.audit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The disk's floor under a durable audit record: one thread writing a batch-sized block into a pre-filled file (as
 * the file sink does) and fdatasync'ing it, each time; the median wall time and the thread's CPU per write+fsync.
 * No audit code runs, so this is what blocking mode cannot go below on this disk, whatever Gatehouse does.
 *
 * <p>{@code java -cp gatehouse-bench.jar dev.gatehouse.bench.audit.FsyncFloor DIR [seconds]}; DIR on the disk the
 * audit log would use.
 */
public final class FsyncFloor {
  private static final int BLOCK = 2400; // about four records, a batch under load
  private static final long FILE = 64L << 20;

  private FsyncFloor() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Files.createDirectories(dir);
    Path file = dir.resolve("fsync-floor-" + System.nanoTime() + ".dat");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
      for (long at = 0; at < FILE; at += zeros.capacity()) {
        zeros.clear();
        ch.write(zeros, at);
      }
      ch.force(true);
      ByteBuffer block = ByteBuffer.allocate(BLOCK);
      long[] wall = new long[1 << 20];
      int n = 0;
      long offset = 0;
      long cpu0 = threadCpu();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      while (System.nanoTime() < end && n < wall.length) {
        long t0 = System.nanoTime();
        block.clear();
        ch.write(block, offset);
        ch.force(false);
        wall[n++] = System.nanoTime() - t0;
        offset = (offset + BLOCK) % (FILE - BLOCK);
      }
      long cpu = threadCpu() - cpu0;
      long[] sorted = Arrays.copyOf(wall, n);
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "write %d B + fdatasync into a pre-filled file, %d times: p50 %.0f us, p99 %.0f us,"
          + " %.1f us thread CPU each%n", BLOCK, n, sorted[n / 2] / 1e3, sorted[(int) (n * 0.99)] / 1e3, cpu / 1e3 / n);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static long threadCpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }
}
