package dev.gatehouse.proxy;

import io.grpc.InternalMetadata;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.TransportFrameUtil;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * gRPC over HTTP/2 as the frame forwarder needs it: headers to and from grpc-java's {@link Metadata} (so both
 * forwarders share {@link ForwardedHeaders} and the pipeline), statuses in trailers, {@code grpc-timeout}, and a
 * scanner of length-prefixed messages that counts without copying. Conversions use grpc-java's own transport
 * helpers, so {@code -bin} values and {@code grpc-message} are encoded exactly as grpc-java's transport does.
 */
final class FrameWire {
  static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
  static final AsciiString GRPC = AsciiString.cached("application/grpc");
  static final AsciiString TE = AsciiString.cached("te");
  static final AsciiString TRAILERS = AsciiString.cached("trailers");
  static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
  static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
  static final AsciiString GZIP = AsciiString.cached("gzip");
  static final AsciiString POST = AsciiString.cached("POST");
  static final AsciiString OK = AsciiString.cached("200");
  /** The gRPC message prefix: a compressed flag and a four-byte length. */
  static final int PREFIX = 5;

  private FrameWire() {}

  /** Every non-pseudo header as grpc-java's transport would hand it to a server call ({@code -bin} decoded). */
  static Metadata metadata(Http2Headers headers) {
    List<byte[]> wire = new ArrayList<>(headers.size() * 2);
    for (Map.Entry<CharSequence, CharSequence> e : headers) {
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) == ':') {
        continue;
      }
      wire.add(bytes(name));
      wire.add(bytes(e.getValue()));
    }
    return InternalMetadata.newMetadata(TransportFrameUtil.toRawSerializedHeaders(wire.toArray(byte[][]::new)));
  }

  /** Adds {@code metadata} to {@code headers} as grpc-java's transport writes it ({@code -bin} base64). */
  static Http2Headers addAll(Http2Headers headers, Metadata metadata) {
    byte[][] wire = TransportFrameUtil.toHttp2Headers(metadata);
    for (int i = 0; i + 1 < wire.length; i += 2) {
      headers.add(new AsciiString(wire[i], false), new AsciiString(wire[i + 1], false));
    }
    return headers;
  }

  /** Response headers: status 200, gRPC's content type, then {@code metadata}. */
  static Http2Headers responseHeaders(Metadata metadata) {
    return addAll(new DefaultHttp2Headers(false).status(OK).add(CONTENT_TYPE, GRPC), metadata);
  }

  /**
   * Trailers carrying {@code status}; with {@code trailersOnly} also the response headers' own fields (a call
   * answered without response headers).
   */
  static Http2Headers trailers(Status status, Metadata metadata, boolean trailersOnly) {
    metadata.discardAll(InternalStatus.CODE_KEY);
    metadata.discardAll(InternalStatus.MESSAGE_KEY);
    metadata.put(InternalStatus.CODE_KEY, status);
    if (status.getDescription() != null) {
      metadata.put(InternalStatus.MESSAGE_KEY, status.getDescription());
    }
    Http2Headers h = new DefaultHttp2Headers(false);
    if (trailersOnly) {
      h.status(OK).add(CONTENT_TYPE, GRPC);
    }
    return addAll(h, metadata);
  }

  /** The status the upstream answered with, from its trailers (or trailers-only headers), as grpc-java reads it. */
  static Status statusOf(Http2Headers headers, Metadata metadata) {
    Status status = metadata.get(InternalStatus.CODE_KEY);
    if (status == null) {
      CharSequence http = headers.status();
      if (http != null && !OK.contentEquals(http)) {
        try {
          return GrpcUtil.httpStatusToGrpcStatus(Integer.parseInt(http.toString()))
              .augmentDescription("HTTP status code " + http);
        } catch (NumberFormatException e) {
          return Status.INTERNAL.withDescription("malformed HTTP status from the upstream");
        }
      }
      return Status.UNKNOWN.withDescription("missing GRPC status in response");
    }
    String message = metadata.get(InternalStatus.MESSAGE_KEY);
    return message == null ? status : status.withDescription(message);
  }

  /** What a caller or upstream RST_STREAM means for the call, as grpc-java maps it. */
  static Status statusOfReset(long errorCode) {
    Http2Error error = Http2Error.valueOf(errorCode);
    if (error == Http2Error.CANCEL) {
      return Status.CANCELLED.withDescription("the upstream cancelled the call");
    }
    if (error == Http2Error.REFUSED_STREAM) {
      return Status.UNAVAILABLE.withDescription("the upstream refused the stream");
    }
    return Status.INTERNAL.withDescription("the upstream reset the stream");
  }

  /**
   * A {@code grpc-timeout} value in nanoseconds, or {@code -1} when absent or malformed (then the call has no
   * deadline of its own, as grpc-java treats it).
   */
  static long timeoutNanos(CharSequence value) {
    if (value == null || value.length() < 2 || value.length() > 9) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return switch (value.charAt(value.length() - 1)) {
      case 'n' -> n;
      case 'u' -> n * 1_000L;
      case 'm' -> n * 1_000_000L;
      case 'S' -> n * 1_000_000_000L;
      case 'M' -> n * 60_000_000_000L;
      case 'H' -> n * 3_600_000_000_000L;
      default -> -1;
    };
  }

  /** {@code nanos} as a {@code grpc-timeout} value: at most eight digits, in the finest unit that fits. */
  static AsciiString timeout(long nanos) {
    long v = Math.max(0, nanos);
    char[] units = {'n', 'u', 'm', 'S', 'M'};
    long[] per = {1_000, 1_000, 1_000, 60, 60};
    for (int i = 0; i < units.length; i++) {
      if (v < 100_000_000L) {
        return new AsciiString(v + String.valueOf(units[i]));
      }
      v = v / per[i];
    }
    return new AsciiString(Math.min(v, 99_999_999L) + "H");
  }

  private static byte[] bytes(CharSequence s) {
    if (s instanceof AsciiString a) {
      return a.isEntireArrayUsed() ? a.array() : a.toByteArray();
    }
    return AsciiString.of(s).toByteArray();
  }

  /**
   * Follows length-prefixed gRPC messages across DATA frames without copying them: how many messages began, their
   * total size (prefixes excluded, as grpc-java's own counts), and the size of the first.
   */
  static final class MessageScanner {
    private int prefixLeft = PREFIX;
    private long length;
    private long bodyLeft;
    private int messages;
    private long messageBytes;
    private boolean compressed;
    private long firstLength = -1;

    /** Scans the readable bytes of {@code buf} (its indexes are left as they are). */
    void scan(ByteBuf buf) {
      int i = buf.readerIndex();
      int end = buf.writerIndex();
      while (i < end) {
        if (prefixLeft > 0) {
          int b = buf.getByte(i++) & 0xff;
          if (prefixLeft == PREFIX) {
            compressed |= (b & 1) != 0;
            length = 0;
          } else {
            length = (length << 8) | b;
          }
          if (--prefixLeft == 0) {
            messages++;
            messageBytes += length;
            if (firstLength < 0) {
              firstLength = length;
            }
            bodyLeft = length;
            if (bodyLeft == 0) {
              prefixLeft = PREFIX;
            }
          }
        } else {
          int skip = (int) Math.min(bodyLeft, end - i);
          i += skip;
          bodyLeft -= skip;
          if (bodyLeft == 0) {
            prefixLeft = PREFIX;
          }
        }
      }
    }

    /** Messages whose prefix has been seen. */
    int messages() {
      return messages;
    }

    long messageBytes() {
      return messageBytes;
    }

    /** The first message's declared length, {@code -1} before its prefix is complete. */
    long firstLength() {
      return firstLength;
    }

    /** True when any message seen so far has its compressed flag set. */
    boolean compressed() {
      return compressed;
    }

    /** True when the bytes seen end exactly at a message boundary. */
    boolean atBoundary() {
      return prefixLeft == PREFIX;
    }
  }
}
