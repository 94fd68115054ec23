package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve --idle-timeout}'s values: seconds, or a number with s, m or h; anything else refused. */
class ServeCommandTest {
  @Test
  void idleTimeoutTakesSecondsOrANumberWithItsUnit() {
    ServeCommand.Idle idle = new ServeCommand.Idle();
    assertEquals(Duration.ofSeconds(600), idle.convert("600"));
    assertEquals(Duration.ofSeconds(3), idle.convert("3s"));
    assertEquals(Duration.ofMinutes(10), idle.convert(" 10m "));
    assertEquals(Duration.ofHours(2), idle.convert("2h"));
    assertEquals(Duration.ZERO, idle.convert("0"));
    for (String bad : new String[] {"", "10 m", "-5", "1.5h", "10d", "m"}) {
      assertThrows(CommandLine.TypeConversionException.class, () -> idle.convert(bad), bad);
    }
  }

  @Test
  void daemonAndServeOptionsParse() {
    CommandLine cl = Main.commandLine();
    CommandLine.ParseResult pr = cl.parseArgs("serve", "--socket", "/tmp/x.sock", "--idle-timeout", "10m",
        "--end-with-client");
    ServeCommand serve = (ServeCommand) pr.subcommand().commandSpec().userObject();
    assertEquals(Duration.ofMinutes(10), serve.idleTimeout);
    assertEquals(true, serve.endWithClient);
    DaemonCommand daemon = (DaemonCommand) cl.parseArgs("daemon", "--stop").subcommand().commandSpec().userObject();
    assertEquals(true, daemon.stop);
  }
}
