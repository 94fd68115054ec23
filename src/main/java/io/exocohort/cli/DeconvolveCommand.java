package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.deconv.DeconvolveJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "deconvolve", mixinStandardHelpOptions = true,
    description = "Where each sample's vesicles come from (issue 19): per sample, the fractions of the signature's "
        + "reference groups that best reproduce its EV miR profile (exosomePurity's normalisation and non-negative "
        + "least squares on the simplex), into ev_origin.")
public final class DeconvolveCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--signature", required = true, paramLabel = "ID", description = "signatures.signature_id to use.")
  String signature;

  @Option(names = "--cohort", split = ",", paramLabel = "NAME", description = "Cohort(s) (default: all).")
  List<String> cohorts = new ArrayList<>();

  @Option(names = "--include-failed", description = "Also deconvolve samples that failed QC.")
  boolean includeFailed;

  @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: generated).")
  String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    DeconvolveJob.Result r = DeconvolveJob.run(common.spark("exocohort deconvolve"), new DeconvolveJob.Args(
        conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), signature, cohorts, includeFailed, runId));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("deconvolve %s: %d samples over %d signature miRs (%d skipped without counts)%n", r.runId(),
        r.samples(), r.features(), r.skipped());
    for (Map.Entry<String, Double> e : r.meanFraction().entrySet()) {
      out.printf("  mean fraction %-16s %.4f%n", e.getKey(), e.getValue());
    }
    out.flush();
    return 0;
  }
}
