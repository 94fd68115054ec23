package io.exocohort.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder: replaced by the generator work. */
@Command(name = "generate", description = "Write a synthetic cohort.")
public final class GenerateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
