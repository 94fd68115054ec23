package io.exocohort.serve;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The launcher's client of {@code exocohort serve}: {@code Client SOCKET run|stop|status [args...]}. It sends the
 * command line, its working directory and {@code $EXOCOHORT_CONF} (never another variable), writes what the job
 * prints to this process's standard output and error as it comes, and exits with the job's exit code. JDK classes
 * only (with {@link Protocol}): it starts in a fraction of a second.
 *
 * <p>Exit {@link Protocol#NO_SERVER} (75) when nothing listens at SOCKET (or the server ended before it started the
 * job): the launcher then runs the job itself.
 */
public final class Client {
  private Client() {}

  public static void main(String[] argv) {
    if (argv.length < 2) {
      System.err.println("usage: Client SOCKET run|stop|status [args...]");
      System.exit(2);
    }
    byte kind = switch (argv[1]) {
      case "run" -> Protocol.RUN;
      case "stop" -> Protocol.STOP;
      case "status" -> Protocol.STATUS;
      default -> {
        System.err.println("Client: unknown request " + argv[1]);
        System.exit(2);
        yield 0;
      }
    };
    String[] args = new String[argv.length - 2];
    System.arraycopy(argv, 2, args, 0, args.length);
    System.exit(call(Path.of(argv[0]), kind, args));
  }

  /** Whether a server accepts connections at {@code socket}. */
  static boolean live(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Connects to {@code socket}. With {@code $EXOCOHORT_CLIENT_WAIT} seconds (the launcher, right after starting its
   * daemon) it retries for up to that long while the process {@code $EXOCOHORT_CLIENT_WAIT_PID} lives (then once
   * more); null when nothing listens.
   */
  static SocketChannel connect(Path socket) {
    long deadline = System.nanoTime() + number("EXOCOHORT_CLIENT_WAIT", 0L) * 1_000_000_000L;
    long pid = number("EXOCOHORT_CLIENT_WAIT_PID", -1L);
    boolean last = false;
    while (true) {
      try {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          ch.connect(UnixDomainSocketAddress.of(socket));
          return ch;
        } catch (IOException e) {
          ch.close();
          throw e;
        }
      } catch (IOException | UnsupportedOperationException e) {
        if (last || System.nanoTime() > deadline) return null;
        // the process started for it ended (a daemon started at the same time by another launch may have taken the
        // socket): one more try
        last = pid >= 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        try {
          Thread.sleep(last ? 500 : 100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    }
  }

  private static long number(String variable, long otherwise) {
    String v = System.getenv(variable);
    try {
      return v == null || v.isBlank() ? otherwise : Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** Sends one request and relays its reply; returns the exit code. */
  static int call(Path socket, byte kind, String[] args) {
    SocketChannel ch = connect(socket);
    if (ch == null) return Protocol.NO_SERVER;
    boolean started = false;
    try (ch) {
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
      String dir = Path.of("").toAbsolutePath().toString();
      Protocol.writeRequest(out, new Protocol.Request(kind, dir, System.getenv("EXOCOHORT_CONF"), args));
      DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16));
      while (true) {
        byte type;
        try {
          type = in.readByte();
        } catch (EOFException e) {
          System.out.flush();
          if (!started) {
            System.err.println("exocohort: the server at " + socket + " ended before it started the job");
            return Protocol.NO_SERVER;
          }
          System.err.println("exocohort: the server at " + socket + " closed the connection before the job ended "
              + "(see the server's log)");
          return 1;
        }
        int n = in.readInt();
        byte[] b = new byte[n];
        in.readFully(b);
        if (type == Protocol.OUT) {
          System.out.write(b, 0, n);
          System.out.flush();
        } else if (type == Protocol.ERR) {
          System.err.write(b, 0, n);
          System.err.flush();
        } else if (type == Protocol.STARTED) {
          started = true;
        } else if (type == Protocol.EXIT) {
          System.out.flush();
          System.err.flush();
          return java.nio.ByteBuffer.wrap(b).getInt();
        }
      }
    } catch (IOException e) {
      System.out.flush();
      System.err.println("exocohort: lost the server at " + socket + ": " + e.getMessage());
      return 1;
    }
  }
}
