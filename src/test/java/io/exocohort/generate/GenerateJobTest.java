package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The files of {@code generate}: names, headers, formats, layouts, determinism. Small cohorts. */
class GenerateJobTest {
  @TempDir Path tmp;

  static final List<String> MANIFEST_HEADER = List.of("sample_id", "subject_id", "cancer_type", "stage", "sex",
      "age", "biofluid", "isolation_method", "batch", "site", "collection_date", "particle_concentration",
      "particle_size_nm", "hospital_ref");

  private GenerateArgs small(Path dir) {
    return GenerateArgs.defaults(dir).withSamples(60).withFeatures(120, 40).withSeed(5);
  }

  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> m = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) m.put(p.getFileName().toString(), Files.readAllBytes(p));
    }
    return m;
  }

  @ParameterizedTest
  @CsvSource({"CSV,LONG,false", "TSV,WIDE,true", "PARQUET,LONG,false", "PARQUET,WIDE,false"})
  void sameSeedSameBytesDifferentSeedDifferentBytes(GenerateArgs.Format format, GenerateArgs.Layout layout,
      boolean gzip) throws IOException {
    GenerateJob.run(small(tmp.resolve("a")).withOutput(tmp.resolve("a"), format, layout, gzip));
    GenerateJob.run(small(tmp.resolve("b")).withOutput(tmp.resolve("b"), format, layout, gzip));
    GenerateJob.run(small(tmp.resolve("c")).withSeed(6).withOutput(tmp.resolve("c"), format, layout, gzip));
    Map<String, byte[]> a = contents(tmp.resolve("a"));
    Map<String, byte[]> b = contents(tmp.resolve("b"));
    Map<String, byte[]> c = contents(tmp.resolve("c"));
    assertEquals(6, a.size(), "files: " + a.keySet());
    assertEquals(a.keySet(), b.keySet());
    for (String f : a.keySet()) assertArrayEquals(a.get(f), b.get(f), f + " differs between identical runs");
    String ext = format.extension + (gzip ? ".gz" : "");
    for (String f : List.of("manifest." + ext, "mirna_counts." + ext, "protein_intensities." + ext, "truth.csv",
        "truth_samples.csv")) {
      assertFalse(java.util.Arrays.equals(a.get(f), c.get(f)), f + " is the same for another seed");
    }
    try (Stream<Path> left = Files.list(tmp.resolve("a"))) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary segments removed");
    }
  }

  @Test
  void longCsvFilesHaveTheAgreedHeadersAndValues() throws IOException {
    Path dir = tmp.resolve("long");
    GenerateJob.run(small(dir).withCohort("PILOT"));
    Tables.Text man = Tables.read(dir.resolve("manifest.csv"));
    assertEquals(MANIFEST_HEADER, man.header());
    assertEquals(60, man.rows().size());
    Pattern sample = Pattern.compile("PILOT-S\\d{6}");
    Set<String> ids = new HashSet<>();
    Set<String> stages = Set.of("0", "I", "II", "III", "IV");
    for (Map<String, String> r : man.maps()) {
      assertTrue(sample.matcher(r.get("sample_id")).matches(), r.get("sample_id"));
      assertTrue(ids.add(r.get("sample_id")), "unique sample ids");
      assertTrue(r.get("subject_id").matches("P\\d{7}"), r.get("subject_id"));
      assertTrue(r.get("cancer_type").equals("healthy") ? r.get("stage").isEmpty() : stages.contains(r.get("stage")),
          r.toString());
      assertTrue(Set.of("M", "F").contains(r.get("sex")));
      int age = Integer.parseInt(r.get("age"));
      assertTrue(age >= 25 && age <= 90);
      assertTrue(Set.of("serum", "plasma", "urine").contains(r.get("biofluid")));
      assertTrue(Set.of("ultracentrifugation", "SEC", "precipitation", "immunoaffinity")
          .contains(r.get("isolation_method")));
      assertTrue(r.get("batch").matches("B\\d{2,}") && r.get("site").matches("SITE_[A-H]"));
      assertTrue(r.get("collection_date").matches("20\\d\\d-\\d\\d-\\d\\d"));
      java.time.LocalDate.parse(r.get("collection_date"));
      assertTrue(r.get("particle_concentration").matches("\\d\\.\\d\\dE\\d+"), r.get("particle_concentration"));
      double conc = Double.parseDouble(r.get("particle_concentration"));
      assertTrue(conc > 1e7 && conc < 1e12);
      assertTrue(r.get("particle_size_nm").matches("\\d+\\.\\d"));
    }
    Tables.Text mir = Tables.read(dir.resolve("mirna_counts.csv"));
    assertEquals(List.of("sample_id", "feature", "value"), mir.header());
    assertEquals(60 * 120, mir.rows().size());
    for (String[] r : mir.rows()) assertTrue(r[2].matches("\\d+"), "counts are plain integers: " + r[2]);
    assertEquals("hsa-miR-451a", mir.rows().get(0)[1]);
    Tables.Text prot = Tables.read(dir.resolve("protein_intensities.csv"));
    assertEquals(List.of("sample_id", "feature", "value"), prot.header());
    assertEquals(60 * 40, prot.rows().size());
    int missing = 0;
    for (String[] r : prot.rows()) {
      if (r[2].isEmpty()) missing++; else assertTrue(r[2].matches("\\d+\\.\\d"), "intensity " + r[2]);
    }
    assertTrue(missing > 0, "some protein values are missing (empty field)");
    assertEquals(List.of("modality", "feature", "cancer_type", "stage", "log2fc", "kind"),
        Tables.read(dir.resolve("truth.csv")).header());
    Tables.Text ts = Tables.read(dir.resolve("truth_samples.csv"));
    assertEquals(List.of("sample_id", "hemolysed", "contaminated", "library_size"), ts.header().subList(0, 4));
    assertEquals(man.column("sample_id"), ts.column("sample_id"));
    String json = Files.readString(dir.resolve("generation.json"));
    assertTrue(json.contains("\"samples\": 60") && json.contains("\"seed\": 5") && json.contains("\"cohort\": \"PILOT\""),
        json);
  }

  @Test
  void wideAndLongLayoutsHoldTheSameValues() throws IOException {
    GenerateJob.run(small(tmp.resolve("l")));
    GenerateJob.run(small(tmp.resolve("w")).withOutput(tmp.resolve("w"), GenerateArgs.Format.TSV,
        GenerateArgs.Layout.WIDE, true));
    for (String table : List.of("mirna_counts", "protein_intensities")) {
      Tables.Matrix l = Tables.longToWide(tmp.resolve("l").resolve(table + ".csv"));
      Tables.Matrix w = Tables.wide(tmp.resolve("w").resolve(table + ".tsv.gz"));
      assertEquals(l.features(), w.features());
      assertEquals(l.samples(), w.samples());
      for (int i = 0; i < l.features().size(); i++) {
        assertArrayEquals(l.values()[i], w.values()[i], table + " " + l.features().get(i));
      }
    }
    Tables.Text man = Tables.read(tmp.resolve("w").resolve("manifest.tsv.gz"));
    assertEquals(MANIFEST_HEADER, man.header());
  }

  @Test
  void wideLayoutSpillsSegmentsAndMergesThemInSampleOrder() throws IOException {
    // More samples than one segment, few features: exercises the segment merge.
    Path dir = tmp.resolve("seg");
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(MatrixTable.SEGMENT_SAMPLES + 300).withFeatures(10, 3)
        .withOutput(dir, GenerateArgs.Format.CSV, GenerateArgs.Layout.WIDE, false));
    Tables.Matrix w = Tables.wide(dir.resolve("mirna_counts.csv"));
    assertEquals(MatrixTable.SEGMENT_SAMPLES + 300, w.samples().size());
    assertEquals(Tables.read(dir.resolve("manifest.csv")).column("sample_id"), w.samples());
    Path longDir = tmp.resolve("seglong");
    GenerateJob.run(GenerateArgs.defaults(longDir).withSamples(MatrixTable.SEGMENT_SAMPLES + 300)
        .withFeatures(10, 3));
    Tables.Matrix l = Tables.longToWide(longDir.resolve("mirna_counts.csv"));
    for (int i = 0; i < 10; i++) assertArrayEquals(l.values()[i], w.values()[i]);
  }

  @Test
  void parquetFilesReadBackWithTheSameValues() throws IOException {
    GenerateJob.run(small(tmp.resolve("csv")));
    Path pq = tmp.resolve("pq");
    GenerateJob.run(small(pq).withOutput(pq, GenerateArgs.Format.PARQUET, GenerateArgs.Layout.LONG, false));
    List<Group> rows = readParquet(pq.resolve("protein_intensities.parquet"));
    Tables.Text csv = Tables.read(tmp.resolve("csv").resolve("protein_intensities.csv"));
    assertEquals(csv.rows().size(), rows.size());
    for (int k = 0; k < rows.size(); k++) {
      Group g = rows.get(k);
      String[] r = csv.rows().get(k);
      assertEquals(r[0], g.getString("sample_id", 0));
      assertEquals(r[1], g.getString("feature", 0));
      if (r[2].isEmpty()) {
        assertEquals(0, g.getFieldRepetitionCount("value"), "missing is null");
      } else {
        assertEquals(Double.parseDouble(r[2]), g.getDouble("value", 0));
      }
    }
    List<Group> man = readParquet(pq.resolve("manifest.parquet"));
    Tables.Text manCsv = Tables.read(tmp.resolve("csv").resolve("manifest.csv"));
    assertEquals(manCsv.rows().size(), man.size());
    Map<String, String> first = manCsv.maps().get(0);
    assertEquals(first.get("sample_id"), man.get(0).getString("sample_id", 0));
    assertEquals(Integer.parseInt(first.get("age")), man.get(0).getInteger("age", 0));
    assertEquals(java.time.LocalDate.parse(first.get("collection_date")).toEpochDay(),
        man.get(0).getInteger("collection_date", 0));
    assertEquals(Double.parseDouble(first.get("particle_concentration")),
        man.get(0).getDouble("particle_concentration", 0));
    List<Group> mir = readParquet(pq.resolve("mirna_counts.parquet"));
    assertEquals(60 * 120, mir.size());
  }

  private static List<Group> readParquet(Path file) throws IOException {
    List<Group> out = new ArrayList<>();
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
        new org.apache.hadoop.fs.Path(file.toUri())).build()) {
      for (Group g = r.read(); g != null; g = r.read()) out.add(g);
    }
    return out;
  }

  @Test
  void repeatDrawsShareSubjectAndDiagnosis() throws IOException {
    Path dir = tmp.resolve("rep");
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(800).withFeatures(10, 0));
    Map<String, List<Map<String, String>>> bySubject = new HashMap<>();
    for (Map<String, String> r : Tables.read(dir.resolve("manifest.csv")).maps()) {
      bySubject.computeIfAbsent(r.get("subject_id"), k -> new ArrayList<>()).add(r);
    }
    long twice = bySubject.values().stream().filter(l -> l.size() == 2).count();
    assertTrue(bySubject.values().stream().allMatch(l -> l.size() <= 2));
    double frac = twice / (double) bySubject.size();
    assertTrue(frac > 0.025 && frac < 0.08, "about 5% of subjects give two samples: " + frac);
    for (List<Map<String, String>> l : bySubject.values()) {
      if (l.size() < 2) continue;
      Map<String, String> a = l.get(0);
      Map<String, String> b = l.get(1);
      for (String k : List.of("cancer_type", "stage", "sex", "site")) assertEquals(a.get(k), b.get(k), k);
      assertTrue(b.get("collection_date").compareTo(a.get("collection_date")) > 0, "repeat drawn later");
    }
  }

  @Test
  void repeatedCohortsHaveVisitsTimepointsASubjectEffectAndPlantedPostChanges() throws IOException {
    Path dir = tmp.resolve("visits");
    assertEquals(0, Main.execute("generate", "--out", dir.toString(), "--samples", "600", "--mirnas", "300",
        "--proteins", "0", "--cancer-types", "3", "--visits", "4", "--subject-sd", "0.8"));
    Map<String, List<Map<String, String>>> bySubject = new java.util.LinkedHashMap<>();
    Tables.Text man = Tables.read(dir.resolve("manifest.csv"));
    assertEquals("timepoint", man.header().get(man.header().size() - 1));
    for (Map<String, String> r : man.maps()) {
      bySubject.computeIfAbsent(r.get("subject_id"), k -> new ArrayList<>()).add(r);
    }
    int[] sizes = new int[5];
    for (List<Map<String, String>> l : bySubject.values()) {
      sizes[l.size()]++;
      boolean cancer = !l.get(0).get("cancer_type").equals("healthy");
      for (int v = 0; v < l.size(); v++) {
        String want = v == 0 ? (cancer ? "pre" : "baseline") : (cancer ? "post" : "followup");
        assertEquals(want, l.get(v).get("timepoint"));
        for (String k : List.of("cancer_type", "stage", "sex", "site")) assertEquals(l.get(0).get(k), l.get(v).get(k));
      }
    }
    // 1..4 visits, uniform (the last subject may be cut short)
    for (int k = 1; k <= 4; k++) assertTrue(sizes[k] > 0.15 * bySubject.size(), "subjects with " + k + ": " + sizes[k]);
    // the subject effect: log-CPM of an abundant miR correlates within subjects (first two samples of each)
    Tables.Matrix m = Tables.longToWide(dir.resolve("mirna_counts.csv"));
    double[] lib = new double[m.samples().size()];
    for (double[] row : m.values()) for (int j = 0; j < lib.length; j++) lib[j] += row[j];
    Map<String, Integer> col = new HashMap<>();
    for (int j = 0; j < m.samples().size(); j++) col.put(m.samples().get(j), j);
    double meanCor = 0;
    int rows = 0;
    for (int f = 0; f < m.features().size(); f++) {
      double[] row = m.values()[f];
      double total = 0;
      for (double v : row) total += v;
      if (total / row.length < 200) continue;
      List<double[]> pairs = new ArrayList<>();
      for (List<Map<String, String>> l : bySubject.values()) {
        if (l.size() < 2 || !l.get(0).get("cancer_type").equals("healthy")) continue;
        int a = col.get(l.get(0).get("sample_id"));
        int b = col.get(l.get(1).get("sample_id"));
        pairs.add(new double[] {Math.log((row[a] + 0.5) / lib[a]), Math.log((row[b] + 0.5) / lib[b])});
      }
      meanCor += correlation(pairs);
      rows++;
    }
    meanCor /= rows;
    assertTrue(rows >= 20 && meanCor > 0.3, "within-subject correlation " + meanCor + " over " + rows + " miRs");
    // post_vs_pre truth: 8 miRs per cancer type, +-1
    Tables.Text truth = Tables.read(dir.resolve("truth.csv"));
    long post = truth.maps().stream().filter(r -> r.get("kind").equals("post_vs_pre")).count();
    assertEquals(3 * CohortDesign.POST_EFFECTS_PER_TYPE, post);
    // without --visits nothing changes: no timepoint column
    Path plain = tmp.resolve("novisits");
    GenerateJob.run(GenerateArgs.defaults(plain).withSamples(20).withFeatures(10, 0));
    assertTrue(!Tables.read(plain.resolve("manifest.csv")).header().contains("timepoint"));
    assertEquals(2, Main.execute("generate", "--out", plain.toString(), "--subject-sd", "0.5"));
    assertEquals(2, Main.execute("generate", "--out", plain.toString(), "--visits", "9"));
  }

  private static double correlation(List<double[]> xy) {
    double mx = 0;
    double my = 0;
    for (double[] p : xy) {
      mx += p[0];
      my += p[1];
    }
    mx /= xy.size();
    my /= xy.size();
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (double[] p : xy) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
      syy += (p[1] - my) * (p[1] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  @Test
  void sexFollowsTheCancerType() throws IOException {
    Path dir = tmp.resolve("sex");
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(1500).withFeatures(10, 0));
    int breastF = 0;
    int breast = 0;
    for (Map<String, String> r : Tables.read(dir.resolve("manifest.csv")).maps()) {
      switch (r.get("cancer_type")) {
        case "prostate" -> assertEquals("M", r.get("sex"));
        case "ovarian" -> assertEquals("F", r.get("sex"));
        case "breast" -> {
          breast++;
          if (r.get("sex").equals("F")) breastF++;
        }
        case "glioblastoma" -> assertEquals("IV", r.get("stage"));
        default -> { }
      }
    }
    assertTrue(breastF >= 0.95 * breast, "breast mostly F");
  }

  @Test
  void commandLineWritesTheFilesAndRejectsBadOptions() {
    Path dir = tmp.resolve("cli");
    assertEquals(0, Main.execute("generate", "--out", dir.toString(), "--samples", "20", "--mirnas", "15",
        "--proteins", "5", "--cancer-types", "3", "--format", "tsv", "--layout", "wide", "--gzip"));
    assertTrue(Files.exists(dir.resolve("mirna_counts.tsv.gz")) && Files.exists(dir.resolve("truth.csv")));
    assertEquals(2, Main.execute("generate", "--out", dir.toString(), "--samples", "0"));
    assertEquals(2, Main.execute("generate", "--out", dir.toString(), "--format", "xlsx"));
    assertEquals(2, Main.execute("generate", "--samples", "10"));
  }
}
