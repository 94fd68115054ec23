package io.exocohort.deconv;

import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.deconv.kernel.SignatureSelection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code signature --reference NAME --case A --control B} (issue 19): the miRs a deconvolution compares, into
 * {@code signatures}. Derived: exosomePurity's steps 1 and 2 ({@link SignatureSelection}: limma DE between the two
 * reference groups, then the miRs stable within each). Given: {@code --features FILE}, one miR a line (the published
 * 48-miR signature, say), each of which every profile of the components must have; with {@code --components a,b,c}
 * instead of case and control, a given list can deconvolve into more than two groups (blood cell types).
 */
public final class SignatureJob {
  private static final Logger LOG = LoggerFactory.getLogger(SignatureJob.class);
  public static final String JOB = "signature";

  private SignatureJob() {}

  /**
   * What to build: the reference; case and control labels (or {@code components} for a given list without a case);
   * the given list (null: derive); the derivation's thresholds.
   */
  public record Args(String lake, String database, String reference, String caseLabel, String controlLabel,
      List<String> components, String featuresFile, SignatureSelection.Params params, String signatureId) {}

  /** The signature written: its id, components and miRs in rank order. */
  public record Result(String signatureId, List<String> components, List<String> features, String source) {}

  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.signatureId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    List<String> components = components(a);
    String caseLabel = a.caseLabel() == null ? null : a.caseLabel().strip().toLowerCase(Locale.ROOT);
    boolean given = a.featuresFile() != null;
    if (!given && caseLabel == null) {
      throw new BadInputException("a derived signature needs --case and --control; with --components give the miRs "
          + "as --features FILE");
    }
    s.pin(Tables.REFERENCE_PROFILES, Tables.SIGNATURES);
    if (!s.has(Tables.REFERENCE_PROFILES)) {
      throw new BadInputException("lake " + a.lake() + " has no reference_profiles: load references with ingest "
          + "--reference NAME --mirna FILE --manifest FILE");
    }
    ReferenceSet ref;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "read reference")) {
      ref = ReferenceSet.load(s.read(Tables.REFERENCE_PROFILES), a.reference(), components);
      st.done("{} profiles of {}, {} shared miRs", ref.profiles.length, components, ref.features.length);
    }
    Map<String, String> params = new LinkedHashMap<>();
    params.put("reference", a.reference());
    params.put("components", String.join(",", components));
    if (caseLabel != null) params.put("case", caseLabel);
    Timestamp now = new Timestamp(System.currentTimeMillis());
    List<Row> rows = new ArrayList<>();
    List<String> features = new ArrayList<>();
    try (Stage st = Stage.start(LOG, s.spark(), JOB, given ? "read the given miRs" : "derive")) {
      if (given) {
        params.put("features_file", a.featuresFile());
        features = givenFeatures(s.spark(), a.featuresFile(), ref);
        for (int k = 0; k < features.size(); k++) {
          rows.add(RowFactory.create(s.id(), a.reference(), components, caseLabel, features.get(k), k + 1, "given",
              null, null, null, params, now));
        }
      } else {
        SignatureSelection.Params p = a.params() == null ? SignatureSelection.Params.defaults() : a.params();
        params.put("fdr", String.valueOf(p.fdr()));
        params.put("min_log2fc", String.valueOf(p.minLog2fc()));
        params.put("max_variance", String.valueOf(p.maxVariance()));
        params.put("min_expression", String.valueOf(p.minExpression()));
        boolean[] isCase = new boolean[ref.profiles.length];
        for (int j = 0; j < isCase.length; j++) isCase[j] = components.get(ref.labelOf[j]).equals(caseLabel);
        SignatureSelection.Result r;
        try {
          r = SignatureSelection.select(ref.values, isCase, p);
        } catch (IllegalArgumentException e) {
          throw new BadInputException("signature of '" + a.reference() + "': " + e.getMessage());
        }
        if (r.signature().isEmpty()) {
          throw new BadInputException("signature of '" + a.reference() + "': no miR is differential (adjusted p < "
              + p.fdr() + ", |log2FC| > " + p.minLog2fc() + ") and stable in both groups (" + r.differential().size()
              + " differential of " + r.filtered() + " kept by filterByExpr)");
        }
        params.put("filtered", String.valueOf(r.filtered()));
        params.put("differential", String.valueOf(r.differential().size()));
        int k = 0;
        for (SignatureSelection.Feature f : r.signature()) {
          features.add(ref.features[f.index()]);
          rows.add(RowFactory.create(s.id(), a.reference(), components, caseLabel, ref.features[f.index()], ++k,
              "derived", f.log2fc(), f.padj(), f.maxWithinVariance(), params, now));
        }
      }
      st.done("{} miRs", features.size());
    }
    s.append(Tables.SIGNATURES, s.spark().createDataFrame(rows, Tables.SIGNATURES.schema()));
    s.succeeded(params, features.size() + " miRs, " + (given ? "given" : "derived") + ", components " + components);
    return new Result(s.id(), components, features, given ? "given" : "derived");
  }

  /** Control first, then case; or the given components. Lower case, at least two, no repeats. */
  static List<String> components(Args a) {
    List<String> out = new ArrayList<>();
    if (a.caseLabel() != null || a.controlLabel() != null) {
      if (a.caseLabel() == null || a.controlLabel() == null || a.components() != null && !a.components().isEmpty()) {
        throw new BadInputException("give --case and --control together, or --components instead of both");
      }
      out.add(a.controlLabel().strip().toLowerCase(Locale.ROOT));
      out.add(a.caseLabel().strip().toLowerCase(Locale.ROOT));
    } else if (a.components() != null) {
      for (String c : a.components()) out.add(c.strip().toLowerCase(Locale.ROOT));
    }
    if (out.size() < 2 || out.stream().distinct().count() != out.size() || out.contains("")) {
      throw new BadInputException("a signature needs two or more distinct reference labels (--case and --control, "
          + "or --components a,b,...), not " + out);
    }
    return out;
  }

  /** The miRs of a given list, in file order: blank lines and '#' comments skipped; each once, each in the reference. */
  static List<String> givenFeatures(SparkSession spark, String file, ReferenceSet ref) {
    Map<String, Integer> index = ref.featureIndex();
    List<String> out = new ArrayList<>();
    Path p = new Path(file);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) throw new BadInputException(file, -1, null, "file not found");
      try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
        String line;
        long n = 0;
        while ((line = in.readLine()) != null) {
          n++;
          String f = line.strip();
          if (f.startsWith("\"") && f.endsWith("\"") && f.length() > 1) f = f.substring(1, f.length() - 1);
          if (f.isEmpty() || f.startsWith("#")) continue;
          if (out.contains(f)) throw new BadInputException(file, n, null, "miR '" + f + "' is listed twice");
          if (!index.containsKey(f)) {
            throw new BadInputException(file, n, null, "miR '" + f + "' is not in every profile of "
                + ref.labels + " in reference '" + ref.reference + "'");
          }
          out.add(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (out.size() < ref.labels.size()) {
      throw new BadInputException(file, -1, null, out.size() + " miR(s) cannot separate " + ref.labels.size()
          + " components");
    }
    return out;
  }
}
