package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.deconv.SignatureJob;
import io.exocohort.deconv.kernel.SignatureSelection;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "signature", mixinStandardHelpOptions = true,
    description = "The miRs a deconvolution compares (issue 19), into signatures: derived from a reference's "
        + "profiles (limma DE between --case and --control, then the miRs stable within each group, as exosomePurity "
        + "does), or given (--features FILE).")
public final class SignatureCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--reference", required = true, description = "Reference set (ingest --reference).")
  String reference;

  @Option(names = "--case", paramLabel = "LABEL", description = "Label of the case profiles, e.g. cancer_cell.")
  String caseLabel;

  @Option(names = "--control", paramLabel = "LABEL", description = "Label of the control profiles, e.g. healthy_cell.")
  String controlLabel;

  @Option(names = "--components", split = ",", paramLabel = "LABEL",
      description = "With --features: three or more labels to deconvolve into (e.g. blood cell types), no case.")
  List<String> components;

  @Option(names = "--features", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "A given signature: one miR a line (# comments), used as it is, in that order.")
  String features;

  @Option(names = "--fdr", defaultValue = "0.01", description = "Derived: adjusted p-value below (default ${DEFAULT-VALUE}).")
  double fdr;

  @Option(names = "--min-log2fc", defaultValue = "1", description = "Derived: |log2FC| above (default ${DEFAULT-VALUE}).")
  double minLog2fc;

  @Option(names = "--max-variance", defaultValue = "2",
      description = "Derived: within-group variance of quantile-normalised log2(CPM + 1) below (default ${DEFAULT-VALUE}).")
  double maxVariance;

  @Option(names = "--min-expression", defaultValue = "20",
      description = "Derived: sum over a group's profiles of that value at least (default ${DEFAULT-VALUE}).")
  double minExpression;

  @Option(names = {"--signature-id", "--run-id"}, paramLabel = "ID", description = "Signature id (default: generated).")
  String signatureId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    SignatureJob.Result r = SignatureJob.run(common.spark("exocohort signature"), new SignatureJob.Args(
        conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), reference, caseLabel, controlLabel, components,
        features, new SignatureSelection.Params(fdr, minLog2fc, maxVariance, minExpression), signatureId));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("signature %s: %d miRs (%s), components %s%n", r.signatureId(), r.features().size(), r.source(),
        r.components());
    out.printf("  %s%n", String.join(", ", r.features()));
    out.flush();
    return 0;
  }
}
