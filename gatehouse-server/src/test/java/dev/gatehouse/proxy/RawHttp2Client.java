package dev.gatehouse.proxy;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP/2 client that writes frames by hand, so a test can send what grpc-java's client never would: header names
 * with forbidden characters, and a burst of HEADERS + RST_STREAM pairs (CVE-2023-44487). Header blocks are HPACK
 * literals without indexing; the server's blocks are decoded with Netty's decoder.
 */
final class RawHttp2Client implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int CONTINUATION = 9;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int ACK = 0x1;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private final int port;
  private final Map<Integer, Long> serverSettings = new LinkedHashMap<>();

  /** How a stream ended: its final headers (trailers), or the RST_STREAM / GOAWAY code. */
  record Outcome(Map<String, String> trailers, Integer resetCode, Integer goAwayCode) {
    String grpcStatus() {
      return trailers == null ? null : trailers.get("grpc-status");
    }
  }

  RawHttp2Client(int port) throws IOException {
    this.port = port;
    this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    out.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
  }

  /** Sends one unary call with the usual gRPC headers plus {@code extra} (name, value pairs, sent as given). */
  Outcome unary(int streamId, String path, byte[] message, String... extra) throws IOException {
    sendHeaders(streamId, path, false, extra);
    ByteBuffer body = ByteBuffer.allocate(5 + message.length);
    body.put((byte) 0).putInt(message.length).put(message);
    frame(DATA, END_STREAM, streamId, body.array());
    out.flush();
    return awaitEnd(streamId);
  }

  /** Sends {@code body} as given (already gRPC-framed, or deliberately not) in one DATA frame ending the stream. */
  Outcome raw(int streamId, String path, byte[] body, String... extra) throws IOException {
    sendHeaders(streamId, path, false, extra);
    frame(DATA, END_STREAM, streamId, body);
    out.flush();
    return awaitEnd(streamId);
  }

  /** Sends the headers and the first {@code bytes} of a framed {@code message}, then resets the stream (CANCEL). */
  void resetMidBody(int streamId, String path, byte[] message, int bytes, String... extra) throws IOException {
    sendHeaders(streamId, path, false, extra);
    ByteBuffer body = ByteBuffer.allocate(5 + message.length);
    body.put((byte) 0).putInt(message.length).put(message);
    frame(DATA, 0, streamId, java.util.Arrays.copyOf(body.array(), bytes));
    frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt(8 /* CANCEL */).array());
    out.flush();
  }

  /** Sends {@code count} PING frames (not acks) in one write. */
  void pings(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(i).array());
    }
    out.flush();
  }

  /** Opens a stream and resets it at once, {@code count} times, in one write: the rapid-reset pattern. */
  void rapidReset(int firstStreamId, int count, String path, String... extra) throws IOException {
    for (int i = 0; i < count; i++) {
      int id = firstStreamId + 2 * i;
      sendHeaders(id, path, false, extra);
      frame(RST_STREAM, 0, id, ByteBuffer.allocate(4).putInt(8 /* CANCEL */).array());
    }
    out.flush();
  }

  /** The server's first SETTINGS frame, by setting identifier (3 = MAX_CONCURRENT_STREAMS, 6 = MAX_HEADER_LIST_SIZE). */
  Map<Integer, Long> serverSettings() throws IOException {
    while (serverSettings.isEmpty()) {
      readFrame();
    }
    return Map.copyOf(serverSettings);
  }

  /** Reads until the server sends GOAWAY (its error code) or closes the connection ({@code -1}). */
  int awaitGoAwayOrClose() throws IOException {
    while (true) {
      Frame f;
      try {
        f = readFrame();
      } catch (EOFException | java.net.SocketException closed) {
        return -1;
      }
      if (f.type == GOAWAY) {
        return ByteBuffer.wrap(f.payload, 4, 4).getInt();
      }
    }
  }

  private void sendHeaders(int streamId, String path, boolean endStream, String... extra) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", path);
    literal(block, ":authority", "localhost:" + port);
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    for (int i = 0; i + 1 < extra.length; i += 2) {
      literal(block, extra[i], extra[i + 1]);
    }
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block.toByteArray());
  }

  private Outcome awaitEnd(int streamId) throws IOException {
    ByteArrayOutputStream pending = null;
    Map<String, String> last = null;
    while (true) {
      Frame f = readFrame();
      if (f.type == GOAWAY) {
        return new Outcome(null, null, ByteBuffer.wrap(f.payload, 4, 4).getInt());
      }
      if (f.stream != streamId) {
        continue;
      }
      if (f.type == RST_STREAM) {
        return new Outcome(null, ByteBuffer.wrap(f.payload).getInt(), null);
      }
      if (f.type == HEADERS || f.type == CONTINUATION) {
        if (pending == null) {
          pending = new ByteArrayOutputStream();
        }
        pending.write(f.type == HEADERS ? headerBlock(f) : f.payload);
        boolean endStream = f.type == HEADERS && (f.flags & END_STREAM) != 0;
        if ((f.flags & END_HEADERS) != 0) {
          last = decode(streamId, pending.toByteArray());
          pending = null;
        }
        if (endStream) {
          return new Outcome(last, null, null);
        }
      } else if (f.type == DATA && (f.flags & END_STREAM) != 0) {
        return new Outcome(last, null, null);
      }
    }
  }

  private static byte[] headerBlock(Frame f) {
    int offset = 0;
    int padding = 0;
    if ((f.flags & 0x8) != 0) {
      padding = f.payload[0] & 0xff;
      offset = 1;
    }
    if ((f.flags & 0x20) != 0) {
      offset += 5;
    }
    byte[] block = new byte[f.payload.length - offset - padding];
    System.arraycopy(f.payload, offset, block, 0, block.length);
    return block;
  }

  private Map<String, String> decode(int streamId, byte[] block) throws IOException {
    ByteBuf buf = Unpooled.wrappedBuffer(block);
    try {
      Http2Headers headers = decoder.decodeHeaders(streamId, buf);
      Map<String, String> map = new LinkedHashMap<>();
      headers.forEach(e -> map.put(e.getKey().toString(), e.getValue().toString()));
      return map;
    } catch (Http2Exception e) {
      throw new IOException("undecodable header block", e);
    } finally {
      buf.release();
    }
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {}

  private Frame readFrame() throws IOException {
    int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    if (type == SETTINGS && (flags & ACK) == 0) {
      ByteBuffer settings = ByteBuffer.wrap(payload);
      while (settings.remaining() >= 6) {
        serverSettings.put(settings.getShort() & 0xffff, settings.getInt() & 0xffffffffL);
      }
      frame(SETTINGS, ACK, 0, new byte[0]);
      out.flush();
    } else if (type == PING && (flags & ACK) == 0) {
      frame(PING, ACK, 0, payload);
      out.flush();
    }
    return new Frame(type, flags, stream, payload);
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] header = new byte[9];
    header[0] = (byte) (payload.length >>> 16);
    header[1] = (byte) (payload.length >>> 8);
    header[2] = (byte) payload.length;
    header[3] = (byte) type;
    header[4] = (byte) flags;
    ByteBuffer.wrap(header, 5, 4).putInt(stream);
    out.write(header);
    out.write(payload);
  }

  /** An HPACK "literal header field without indexing, new name", no Huffman coding: the bytes go out as given. */
  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0);
    string(block, name.getBytes(StandardCharsets.ISO_8859_1));
    string(block, value.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void string(ByteArrayOutputStream block, byte[] bytes) {
    int length = bytes.length;
    if (length < 127) {
      block.write(length);
    } else {
      block.write(127);
      length -= 127;
      while (length >= 128) {
        block.write((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      block.write(length);
    }
    block.write(bytes, 0, bytes.length);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
