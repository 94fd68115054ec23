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
 * <p>Exit {@link Protocol#NO_SERVER} (75) when nothing listens at SOCKET (or the server is stopping): the launcher
 * then runs the job itself.
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

  /** Sends one request and relays its reply; returns the exit code. */
  static int call(Path socket, byte kind, String[] args) {
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException | UnsupportedOperationException e) {
      return Protocol.NO_SERVER;
    }
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
