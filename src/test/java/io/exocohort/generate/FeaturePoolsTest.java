package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The miRNA and protein name pools: real-looking, unique, key features first. */
class FeaturePoolsTest {
  static final Pattern MIRBASE = Pattern.compile("hsa-(miR|let)-[0-9a-z]+(-[0-9]+)?(-[35]p)?");

  @Test
  void mirnaPoolHas2600UniqueMirbaseNamesKeyOnesFirst() {
    List<String> rows = MirnaPool.rows();
    assertEquals(GenerateArgs.MAX_MIRNAS, rows.size());
    Set<String> names = new HashSet<>();
    double total = 0;
    for (String r : rows) {
      String[] p = r.split("\t");
      assertTrue(MIRBASE.matcher(p[0]).matches(), p[0]);
      assertTrue(names.add(p[0]), "duplicate " + p[0]);
      total += Math.pow(10, Double.parseDouble(p[1]));
    }
    assertEquals(1.0, total, 0.01, "baseline shares sum to 1");
    List<String> key = rows.subList(0, MirnaPool.KEY_COUNT).stream().map(r -> r.split("\t")[0]).toList();
    for (String k : List.of("hsa-miR-451a", "hsa-miR-16-5p", "hsa-miR-92a-3p", "hsa-miR-486-5p", "hsa-miR-23a-3p",
        "hsa-miR-21-5p", "hsa-miR-141-3p", "hsa-let-7a-5p", "hsa-let-7b-5p", "hsa-let-7f-5p", "hsa-let-7i-5p")) {
      assertTrue(key.contains(k), k + " among the key miRs");
    }
    for (LiteratureMarkers.Marker m : LiteratureMarkers.MIRNA) {
      assertTrue(key.contains(m.feature()), "literature marker " + m.feature() + " among the key miRs");
    }
    // The first ten (the --mirnas minimum) hold the haemolysis panel and its reference.
    List<String> first10 = key.subList(0, 10);
    for (String k : CohortDesign.HEMOLYSIS_WEIGHTS.keySet()) assertTrue(first10.contains(k), k);
    assertTrue(first10.contains("hsa-miR-23a-3p"));
  }

  @Test
  void mirnaPoolNamesComeFromTheRealCohorts() throws Exception {
    Set<String> real = new HashSet<>();
    real.addAll(Tables.read(Path.of("sample-data/gse197020_breast/GSE197020.txt")).column("smallRNASequence"));
    real.addAll(Tables.read(Path.of("sample-data/gbm_exosomal_mirna/Normalized_microRNA_counts.tsv"))
        .column("miRNA"));
    long fromReal = MirnaPool.rows().stream().map(r -> r.split("\t")[0]).filter(real::contains).count();
    assertEquals(GenerateArgs.MAX_MIRNAS, fromReal, "every pool name is a real miRBase name of the two cohorts");
  }

  @Test
  void proteinPoolHasTheMarkersFirstAndUniqueSymbols() {
    List<String> symbols = ProteinPool.all().stream().map(ProteinPool.Protein::symbol).toList();
    assertEquals(symbols.size(), new HashSet<>(symbols).size(), "unique");
    assertEquals(225, symbols.size(), "the size GenerateCommand's help names");
    List<String> first150 = symbols.subList(0, 150);
    for (String s : List.of("CD9", "CD63", "CD81", "TSG101", "PDCD6IP", "SDCBP", "ALB", "APOA1", "APOB", "CANX",
        "GPC1", "MIF", "MET", "EPCAM", "CD24", "ERBB2")) {
      assertTrue(first150.contains(s), s);
    }
    for (LiteratureMarkers.Marker m : LiteratureMarkers.PROTEIN) assertTrue(first150.contains(m.feature()));
    for (String s : symbols) assertTrue(s.matches("[A-Z][A-Z0-9-]*"), s);
  }

  @Test
  void literatureMarkersNameKnownCancerTypes() {
    Set<String> types = new HashSet<>();
    CancerTypes.ALL.forEach(p -> types.add(p.name()));
    for (LiteratureMarkers.Marker m : LiteratureMarkers.MIRNA) assertTrue(types.contains(m.cancerType()));
    for (LiteratureMarkers.Marker m : LiteratureMarkers.PROTEIN) assertTrue(types.contains(m.cancerType()));
    assertEquals(List.of("pancreatic", "breast", "ovarian", "prostate", "colorectal", "esophageal", "glioblastoma",
        "melanoma", "lung", "bladder", "liver", "gastric", "kidney"),
        CancerTypes.ALL.stream().map(CancerTypes.Profile::name).toList());
  }
}
