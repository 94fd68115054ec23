package io.exocohort.serve;

import io.exocohort.common.Caller;
import io.exocohort.common.ExitCodes;
import io.exocohort.common.JobRunner;
import io.exocohort.common.SparkSessions;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code exocohort serve}: one warm embedded driver that launches reuse (docs/design.md, ADR 3). It listens on a
 * Unix domain socket (mode 0600; only this user's processes are served), runs one request at a time (a second
 * client waits, told so), each as a command line of its own through the same entry point as a launch, in a Spark
 * session of its own, with the client's working directory for relative paths ({@link Caller}); the job's output,
 * errors and log lines go back to the client as they come, then its exit code. A request's failure is its own:
 * the server goes on. It stops on {@code serve --stop} (after the running job) or SIGTERM.
 *
 * <p>As the launcher's daemon (docs/design.md, ADR 3: the launcher starts one per environment and build, and later
 * launches reuse it) it also ends after an idle time ({@link #idleTimeout}) and when the client of a running job goes
 * away ({@link #endWithClient}), as a launch killed in the middle of its job ends.
 */
public final class Server {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final SparkSession base;
  private final Path socket;
  private final Map<String, String> sparkConf;
  /** Runs one command line with the given output and error writers (the CLI's entry point) and returns its code. */
  private final Runner runner;
  private final PrintStream log;
  private final ReentrantLock oneAtATime = new ReentrantLock(true);
  private final AtomicInteger requests = new AtomicInteger();
  /** Runs {@link #collectWhenIdle}'s collections. */
  private final java.util.concurrent.ScheduledExecutorService idle =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "exocohort-serve-idle-gc");
        t.setDaemon(true);
        return t;
      });
  /** How long the server waits after a request before {@link #collectWhenIdle} collects. */
  private static final Duration IDLE_COLLECTION_AFTER = Duration.ofSeconds(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile ServerSocketChannel channel;
  /** The request whose job is running, or null: its client gets what the job prints and logs. */
  private volatile Frames current;
  private volatile String running;
  /** Ends the server after this long without a request; null: never. */
  private volatile Duration idleTimeout;
  /** Ends the JVM when the client of the running job goes away (a killed launch's semantics). */
  private volatile boolean endWithClient;
  private final AtomicLong lastRequest = new AtomicLong(System.nanoTime());

  /** The CLI's entry point as the server calls it (Main.execute with writers). */
  @FunctionalInterface
  public interface Runner {
    int run(PrintWriter out, PrintWriter err, String[] args);
  }

  /**
   * @param base the session built from the server's conf (each request runs in a new session of it)
   * @param socket where to listen
   * @param sparkConf the {@code spark.*} entries {@code base} was built from (a request's must equal them)
   */
  public Server(SparkSession base, Path socket, Map<String, String> sparkConf, Runner runner) {
    this.base = base;
    this.socket = socket;
    this.sparkConf = Map.copyOf(sparkConf);
    this.runner = runner;
    this.log = System.err;
  }

  /** Ends the server once no request has come for {@code idle} (null or zero: never); returns this. */
  public Server idleTimeout(Duration idle) {
    this.idleTimeout = idle == null || idle.isZero() ? null : idle;
    return this;
  }

  /** Whether the JVM ends when the client of a running job goes away, as a killed launch ends; returns this. */
  public Server endWithClient(boolean end) {
    this.endWithClient = end;
    return this;
  }

  /** Listens until stopped; returns the exit code of {@code serve}. */
  public int serve() throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (Files.exists(socket)) {
      if (Client.live(socket)) {
        throw new io.exocohort.common.BadInputException("a server is already listening on " + socket
            + " (stop it with jobs/exocohort serve --stop --socket " + socket + ")");
      }
      Files.delete(socket); // left by a server that was killed
    }
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(socket));
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    channel = ch;
    Thread hook = new Thread(() -> {
      if (!stopping) {
        say("stopping: the JVM is ending (SIGTERM, SIGINT, or a daemon's client gone); a running job ends with it");
      }
      close();
    }, "exocohort-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    Forwarding.install(() -> current);
    say("listening on " + socket + " (pid " + ProcessHandle.current().pid() + ", Spark " + base.version()
        + "); stop with: jobs/exocohort serve --stop --socket " + socket
        + (idleTimeout != null ? "; ends after " + idleTimeout.toSeconds() + " s without a request" : ""));
    if (idleTimeout != null) watchIdle();
    try {
      while (!stopping) {
        SocketChannel c;
        try {
          c = ch.accept();
        } catch (ClosedChannelException e) {
          break;
        }
        Thread t = new Thread(() -> handle(c), "exocohort-request");
        t.setDaemon(true);
        t.start();
      }
    } finally {
      close();
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
    say("stopped");
    return ExitCodes.OK;
  }

  /** Stops the server once it has had no request for {@link #idleTimeout} (checked every second or sooner). */
  private void watchIdle() {
    Thread t = new Thread(() -> {
      long limit = idleTimeout.toNanos();
      while (!stopping) {
        try {
          Thread.sleep(Math.max(50, Math.min(1000, limit / 4_000_000)));
        } catch (InterruptedException e) {
          return;
        }
        if (System.nanoTime() - lastRequest.get() < limit || !oneAtATime.tryLock()) continue;
        try {
          if (stopping || oneAtATime.hasQueuedThreads() || System.nanoTime() - lastRequest.get() < limit) continue;
          stopping = true;
          say("no request for " + idleTimeout.toSeconds() + " s: stopping");
          close();
          base.stop();
          stopped.countDown();
          return;
        } finally {
          oneAtATime.unlock();
        }
      }
    }, "exocohort-serve-idle");
    t.setDaemon(true);
    t.start();
  }

  private void close() {
    idle.shutdownNow(); // a collection still waiting for its idle second is dropped with the server
    ServerSocketChannel ch = channel;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // nothing more to do
    }
  }

  private void handle(SocketChannel c) {
    try (c) {
      if (!samePrincipal(c)) return;
      Protocol.Request r = Protocol.readRequest(new DataInputStream(new BufferedInputStream(
          Channels.newInputStream(c))));
      if (r == null) return;
      Frames f = new Frames(c);
      switch (r.kind()) {
        case Protocol.STATUS -> {
          f.write(Protocol.OUT, ("exocohort serve: listening on " + socket + ", pid " + ProcessHandle.current().pid()
              + ", " + requests.get() + " requests so far" + (running != null ? "; running: " + running : "; idle")
              + (oneAtATime.getQueueLength() > 0 ? "; waiting: " + oneAtATime.getQueueLength() : "") + "\n")
              .getBytes(StandardCharsets.UTF_8));
          f.exit(ExitCodes.OK);
        }
        case Protocol.STOP -> stop(f);
        case Protocol.RUN -> run(r, f, c);
        default -> f.exit(ExitCodes.BAD_INPUT);
      }
    } catch (IOException | RuntimeException e) {
      say("a request failed to be read or answered: " + e);
    }
  }

  /** Refuses a peer of another user (the socket's mode 0600 already keeps them out where it is honoured). */
  private boolean samePrincipal(SocketChannel c) {
    try {
      var p = c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      String me = System.getProperty("user.name");
      if (p != null && me != null && !me.equals(p.user().getName())) {
        say("refused a client of user " + p.user().getName());
        return false;
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no peer credentials on this platform: the socket's mode is the guard
    }
    return true;
  }

  private void stop(Frames f) throws IOException {
    stopping = true;
    String job = running;
    say("stop requested" + (job != null ? "; waiting for the running job (" + job + ")" : ""));
    if (job != null) {
      f.write(Protocol.ERR, ("exocohort serve: stopping after the running job (" + job + ")\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    oneAtATime.lock();
    try {
      close();
      base.stop();
      f.write(Protocol.OUT, ("exocohort serve: stopped (" + socket + ")\n").getBytes(StandardCharsets.UTF_8));
      f.exit(ExitCodes.OK);
    } finally {
      stopped.countDown();
      oneAtATime.unlock();
    }
  }

  private void run(Protocol.Request r, Frames f, SocketChannel c) throws IOException {
    int n = requests.incrementAndGet();
    String what = "request " + n + ": " + String.join(" ", r.args());
    if (stopping) {
      f.exit(Protocol.NO_SERVER);
      return;
    }
    if (!oneAtATime.tryLock()) {
      String job = running;
      say(what + " waits for the running job (" + job + ")");
      f.write(Protocol.ERR, ("exocohort: the server is running another job (" + job + "); waiting for it\n")
          .getBytes(StandardCharsets.UTF_8));
      oneAtATime.lock();
    }
    int code;
    long t0 = System.nanoTime();
    try {
      if (stopping) {
        f.exit(Protocol.NO_SERVER);
        return;
      }
      running = what;
      lastRequest.set(System.nanoTime());
      say(what + " (from " + r.dir() + ")");
      f.write(Protocol.STARTED, new byte[] {1});
      ClientWatch watch = endWithClient ? new ClientWatch(c, n) : null;
      try {
        code = job(r, f);
      } finally {
        if (watch != null) watch.done();
      }
      // logged before the lock is released, so that the log shows the next request starting after this one ends
      say(String.format("request %d: exit %d in %.1f s", n, code, (System.nanoTime() - t0) / 1e9));
    } finally {
      running = null;
      lastRequest.set(System.nanoTime());
      oneAtATime.unlock();
    }
    f.exit(code);
    collectWhenIdle(n);
  }

  /**
   * A full collection of the heap once the server has had no request for {@link #IDLE_COLLECTION_AFTER} after
   * request {@code n}. What a request cached and its workers allocated is garbage when it ends (the server clears
   * it), but much of it was promoted while the request ran; left there, it is collected by a full collection in the
   * middle of a later request (about 0.15-0.2 s every second request at 10,000 samples, docs/design.md, ADR 3).
   * Collected while nobody waits, the next request starts with an empty old generation. A request that follows at
   * once (the second of two launches) finds no collection run before it.
   */
  private void collectWhenIdle(int n) {
    idle.schedule(() -> {
      if (requests.get() != n || oneAtATime.isLocked() || stopping) return;
      long t0 = System.nanoTime();
      System.gc();
      say(String.format("request %d: heap collected while idle (%.0f ms)", n, (System.nanoTime() - t0) / 1e6));
    }, IDLE_COLLECTION_AFTER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Runs one request's command line in a session of its own, then clears what it may have left. */
  private int job(Protocol.Request r, Frames f) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(f.stream(Protocol.OUT), StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(f.stream(Protocol.ERR), StandardCharsets.UTF_8), true);
    if (firstWord(r.args()).equals("serve")) {
      err.println("exocohort: serve runs a server, not a job: it cannot run inside one");
      err.flush();
      return ExitCodes.BAD_INPUT;
    }
    SparkSession session = base.newSession();
    Caller.begin(new Caller.Request(Path.of(r.dir()), r.confEnv(), sparkConf));
    // Relative paths that Spark itself resolves (a SQL statement's csv.`data.csv`) are the client's too: Hadoop's
    // local file system, one cached instance per JVM, resolves them against its working directory.
    org.apache.hadoop.fs.FileSystem local = null;
    org.apache.hadoop.fs.Path home = null;
    try {
      local = org.apache.hadoop.fs.FileSystem.getLocal(base.sparkContext().hadoopConfiguration());
      home = local.getWorkingDirectory();
      local.setWorkingDirectory(new org.apache.hadoop.fs.Path(Path.of(r.dir()).toUri()));
    } catch (IOException | RuntimeException e) {
      say("the client's folder is not the local file system's working directory: " + e);
      local = null;
    }
    JobRunner.setVerbose(false);
    SparkSession.setActiveSession(session);
    current = f;
    int code;
    try {
      code = runner.run(out, err, r.args());
    } catch (Throwable t) { // the server survives what a launch would die of
      err.println("exocohort: error: " + JobRunner.describe(t));
      code = JobRunner.exitCode(t);
    } finally {
      out.flush();
      err.flush();
      current = null;
      clear(session);
      if (local != null) local.setWorkingDirectory(home);
      Caller.end();
    }
    return code;
  }

  /**
   * Watches the client of a running job (the launcher's daemon): when it goes away (Ctrl-C, SIGTERM, a killed
   * task), the JVM ends as the launch it stands for would have ended, running its shutdown hooks; the job's tables
   * stay at their last commits (docs/reliability.md). A client sends nothing after its request, so a read that ends
   * means it is gone.
   */
  private final class ClientWatch {
    private volatile boolean done;

    ClientWatch(SocketChannel c, int n) {
      Thread t = new Thread(() -> {
        try {
          ByteBuffer b = ByteBuffer.allocate(64);
          while (c.read(b) >= 0) b.clear();
        } catch (IOException e) {
          // closed or reset: gone too, unless the job is done
        }
        if (done) return;
        say("request " + n + ": its client went away during the job; ending, as the killed launch would");
        Thread halt = new Thread(() -> {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            return;
          }
          Runtime.getRuntime().halt(ExitCodes.FAILURE);
        }, "exocohort-serve-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(ExitCodes.FAILURE);
      }, "exocohort-serve-client-watch");
      t.setDaemon(true);
      t.start();
    }

    void done() {
      done = true;
    }
  }

  private static String firstWord(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--conf") || a.equals("--lake") || a.equals("--database")) {
        i++;
      } else if (!a.startsWith("-")) {
        return a;
      }
    }
    return "";
  }

  /**
   * Clears what a job can leave in the shared driver: cached datasets and RDDs, global temporary views, running
   * jobs, the thread's job group, description and local properties, the runner's verbosity. A request's session
   * (its SQL conf, temporary views, current database, functions) is dropped with it.
   */
  private void clear(SparkSession session) {
    SparkContext sc = base.sparkContext();
    SparkSession.clearActiveSession();
    JobRunner.setVerbose(false);
    try {
      sc.cancelAllJobs();
      SparkSessions.dropCached(session);
      session.sharedState().globalTempViewManager().clear();
      sc.clearJobGroup();
      sc.setJobDescription(null);
      java.util.Properties props = sc.getLocalProperties();
      if (props != null) for (String k : props.stringPropertyNames()) sc.setLocalProperty(k, null);
    } catch (RuntimeException e) {
      say("clearing after a request: " + e);
    }
  }

  private void say(String line) {
    log.println(LocalTime.now().format(TIME) + " exocohort serve: " + line);
    log.flush();
  }

  /** The reply to one client: frames written whole, from any thread; a client gone leaves the job running. */
  static final class Frames {
    private final SocketChannel channel;
    private volatile boolean gone;

    Frames(SocketChannel channel) {
      this.channel = channel;
    }

    synchronized void write(byte type, byte[] b, int off, int len) {
      if (gone || len == 0) return;
      ByteBuffer buf = ByteBuffer.allocate(5 + len);
      buf.put(type).putInt(len).put(b, off, len).flip();
      try {
        while (buf.hasRemaining()) channel.write(buf);
      } catch (IOException e) {
        gone = true; // the client went away: the job goes on, its output is dropped
      }
    }

    void write(byte type, byte[] b) {
      write(type, b, 0, b.length);
    }

    void exit(int code) {
      write(Protocol.EXIT, ByteBuffer.allocate(4).putInt(code).array());
    }

    OutputStream stream(byte type) {
      return new OutputStream() {
        @Override
        public void write(int b) {
          Frames.this.write(type, new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) {
          Frames.this.write(type, b, off, len);
        }
      };
    }
  }

  /** Where the job's own writes to System.out / System.err and its log lines go: to the current client too. */
  static final class Forwarding {
    private Forwarding() {}

    static void install(java.util.function.Supplier<Frames> current) {
      System.setOut(new PrintStream(tee(System.out, Protocol.OUT, current), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(tee(System.err, Protocol.ERR, current), true, StandardCharsets.UTF_8));
      Log4j.forward(e -> {
        Frames f = current.get();
        if (f != null) f.write(Protocol.ERR, e);
        return null;
      });
    }

    private static OutputStream tee(PrintStream mine, byte type, java.util.function.Supplier<Frames> current) {
      return new OutputStream() {
        @Override
        public void write(int b) {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          mine.write(b, off, len);
          Frames f = current.get();
          if (f != null) f.write(type, b, off, len);
        }

        @Override
        public void flush() {
          mine.flush();
        }
      };
    }
  }

  /** The log lines of the running job to its client, laid out as the launcher's console shows them. */
  static final class Log4j {
    private Log4j() {}

    static void forward(Function<byte[], Void> sink) {
      if (!(org.apache.logging.log4j.LogManager.getContext(false)
          instanceof org.apache.logging.log4j.core.LoggerContext ctx)) {
        return; // another logging backend: the log lines stay in the server's log
      }
      var cfg = ctx.getConfiguration();
      var console = cfg.getAppenders().values().stream()
          .filter(a -> a instanceof org.apache.logging.log4j.core.appender.ConsoleAppender).findFirst();
      org.apache.logging.log4j.core.Layout<?> layout = console.isPresent() ? console.get().getLayout()
          : org.apache.logging.log4j.core.layout.PatternLayout.createDefaultLayout();
      var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("exocohort-serve-client", null,
          layout, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
        @Override
        public void append(org.apache.logging.log4j.core.LogEvent event) {
          sink.apply(getLayout().toByteArray(event));
        }
      };
      appender.start();
      cfg.addAppender(appender);
      cfg.getRootLogger().addAppender(appender, null, null);
      ctx.updateLoggers();
    }
  }
}
