package io.exocohort.serve;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire format between {@link Client} and {@link Server} over a Unix domain socket. JDK classes only: the
 * client loads this and nothing of Spark.
 *
 * <p>Request (client to server): {@code int MAGIC}, {@code int VERSION}, {@code byte kind} ({@link #RUN},
 * {@link #STOP}, {@link #STATUS}), the client's working directory, its {@code $EXOCOHORT_CONF} (empty: unset), the
 * number of arguments and each argument; strings as an int length and UTF-8 bytes. Nothing else: no other
 * environment variable and no secret is ever sent (the server uses its own environment).
 *
 * <p>Reply (server to client): frames of {@code byte type}, {@code int length}, bytes: {@link #OUT} (the job's
 * standard output), {@link #ERR} (its errors and log lines), and last {@link #EXIT} with the 4-byte exit code;
 * {@link #STARTED} (one byte) when the job starts, after any wait for the job before it: a connection that ends
 * before it means the server did not take the job (it was stopping), and the launcher runs the job itself.
 */
final class Protocol {
  static final int MAGIC = 0x45584f53; // "EXOS"
  static final int VERSION = 1;

  static final byte RUN = 1;
  static final byte STOP = 2;
  static final byte STATUS = 3;

  static final byte OUT = 1;
  static final byte ERR = 2;
  static final byte EXIT = 3;
  static final byte STARTED = 4;

  /** The client's exit code when no server listens (or it is stopping): the launcher then runs the job itself. */
  static final int NO_SERVER = 75;

  /** Longest string accepted (a SQL statement given on the command line fits many times over). */
  static final int MAX_STRING = 16 << 20;

  private Protocol() {}

  static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING) throw new IOException("bad string length " + n);
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A request as the server reads it. */
  record Request(byte kind, String dir, String confEnv, String[] args) {}

  static void writeRequest(DataOutputStream out, Request r) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeByte(r.kind());
    writeString(out, r.dir());
    writeString(out, r.confEnv() == null ? "" : r.confEnv());
    out.writeInt(r.args().length);
    for (String a : r.args()) writeString(out, a);
    out.flush();
  }

  static Request readRequest(DataInputStream in) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      return null;
    }
    if (magic != MAGIC) throw new IOException("not an exocohort client");
    int version = in.readInt();
    if (version != VERSION) throw new IOException("client protocol " + version + ", server " + VERSION);
    byte kind = in.readByte();
    String dir = readString(in);
    String conf = readString(in);
    int n = in.readInt();
    if (n < 0 || n > 100_000) throw new IOException("bad argument count " + n);
    String[] args = new String[n];
    for (int i = 0; i < n; i++) args[i] = readString(in);
    return new Request(kind, dir, conf.isEmpty() ? null : conf, args);
  }
}
