package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

/** The reusing gzip reader accepts what GZIPInputStream accepts and refuses what it refuses. */
class CountingGzipTest {
  private final LongAdder inflated = new LongAdder();
  private final CountingGzip gzip = new CountingGzip(inflated);

  private static byte[] gzipped(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(data);
    }
    return out.toByteArray();
  }

  /** A member with every optional header field and a header CRC, built by hand. */
  private static byte[] fullHeaderMember(byte[] data, boolean corruptHeaderCrc) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3});
    h.writeBytes(new byte[] {3, 0, 'x', 'y', 'z'});
    h.writeBytes("name.txt\0".getBytes(StandardCharsets.ISO_8859_1));
    h.writeBytes("a comment\0".getBytes(StandardCharsets.ISO_8859_1));
    CRC32 crc = new CRC32();
    crc.update(h.toByteArray());
    int hcrc = (int) crc.getValue() & 0xffff;
    if (corruptHeaderCrc) {
      hcrc ^= 1;
    }
    h.write(hcrc & 0xff);
    h.write(hcrc >>> 8);
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(data);
    d.finish();
    byte[] buf = new byte[data.length + 64];
    int n = d.deflate(buf);
    d.end();
    h.write(buf, 0, n);
    CRC32 body = new CRC32();
    body.update(data);
    long c = body.getValue();
    for (int i = 0; i < 4; i++) {
      h.write((int) (c >>> (8 * i)) & 0xff);
    }
    for (int i = 0; i < 4; i++) {
      h.write((data.length >>> (8 * i)) & 0xff);
    }
    return h.toByteArray();
  }

  private byte[] inflate(byte[] compressed) throws IOException {
    try (InputStream in = gzip.decompress(new ByteArrayInputStream(compressed))) {
      return in.readAllBytes();
    }
  }

  @Test
  void inflatesMessagesOfEverySizeWithTheReusedInflater() throws IOException {
    Random random = new Random(12);
    for (int size : new int[] {0, 1, 100, 8191, 8192, 70_000, 300_000}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      Arrays.fill(data, 0, size / 2, (byte) 'a'); // half compressible
      assertThat(inflate(gzipped(data))).isEqualTo(data);
    }
    assertThat(inflated.sum()).isEqualTo(1 + 100 + 8191 + 8192 + 70_000 + 300_000);
  }

  @Test
  void readsEveryOptionalHeaderFieldAndConcatenatedMembers() throws IOException {
    byte[] a = "first member ".getBytes(StandardCharsets.UTF_8);
    byte[] b = "second member".getBytes(StandardCharsets.UTF_8);
    assertThat(inflate(fullHeaderMember(a, false))).isEqualTo(a);
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(fullHeaderMember(a, false));
    both.writeBytes(gzipped(b));
    assertThat(new String(inflate(both.toByteArray()), StandardCharsets.UTF_8)).isEqualTo("first member second member");
  }

  @Test
  void refusesWhatIsNotWellFormedGzip() throws IOException {
    byte[] good = gzipped("hello".repeat(100).getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> inflate(new byte[0])).isInstanceOf(EOFException.class);
    byte[] magic = good.clone();
    magic[1] = 0x00;
    assertThatThrownBy(() -> inflate(magic)).isInstanceOf(ZipException.class);
    byte[] method = good.clone();
    method[2] = 7;
    assertThatThrownBy(() -> inflate(method)).isInstanceOf(ZipException.class);
    assertThatThrownBy(() -> inflate(fullHeaderMember(new byte[] {1, 2}, true))).isInstanceOf(ZipException.class);
    byte[] trailer = good.clone();
    trailer[trailer.length - 6] ^= 1; // the CRC
    assertThatThrownBy(() -> inflate(trailer)).isInstanceOf(ZipException.class);
    byte[] length = good.clone();
    length[length.length - 1] ^= 1;
    assertThatThrownBy(() -> inflate(length)).isInstanceOf(ZipException.class);
    assertThatThrownBy(() -> inflate(Arrays.copyOf(good, good.length - 3))).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> inflate(Arrays.copyOf(good, 15))).isInstanceOf(IOException.class);
    byte[] deflate = good.clone();
    deflate[12] ^= (byte) 0xff;
    assertThatThrownBy(() -> inflate(deflate)).isInstanceOf(IOException.class);
    byte[] garbage = Arrays.copyOf(good, good.length + 3);
    assertThatThrownBy(() -> inflate(garbage)).isInstanceOf(IOException.class);

    // A failed message leaves nothing behind: the next one inflates.
    assertThat(inflate(good)).isEqualTo("hello".repeat(100).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void twoMessagesReadInterleavedOnOneThreadEachGetTheirOwnInflater() throws IOException {
    byte[] a = new byte[50_000];
    byte[] b = new byte[50_000];
    new Random(1).nextBytes(a);
    new Random(2).nextBytes(b);
    try (InputStream ia = gzip.decompress(new ByteArrayInputStream(gzipped(a)));
        InputStream ib = gzip.decompress(new ByteArrayInputStream(gzipped(b)))) {
      ByteArrayOutputStream oa = new ByteArrayOutputStream();
      ByteArrayOutputStream ob = new ByteArrayOutputStream();
      byte[] chunk = new byte[1000];
      int ra = 0;
      int rb = 0;
      while (ra >= 0 || rb >= 0) {
        if (ra >= 0 && (ra = ia.read(chunk)) > 0) {
          oa.write(chunk, 0, ra);
        }
        if (rb >= 0 && (rb = ib.read(chunk)) > 0) {
          ob.write(chunk, 0, rb);
        }
      }
      assertThat(oa.toByteArray()).isEqualTo(a);
      assertThat(ob.toByteArray()).isEqualTo(b);
    }
  }
}
