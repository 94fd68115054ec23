package io.exocohort.generate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The protein panel: human gene symbols as an EV proteomics (LC-MS) run reports them, in the order
 * {@code --proteins} takes them: EV markers (MISEV tetraspanins and ESCRT / cytosolic markers), contaminants
 * (plasma lipoproteins and abundant plasma proteins; cellular / ER debris), erythrocyte proteins, the tumour
 * proteins of {@link LiteratureMarkers}, then proteins commonly identified in plasma EV preparations. Some carry a
 * fixed typical log10 intensity; the others get one drawn per seed.
 */
final class ProteinPool {
  enum Role { EV_MARKER, PLASMA_CONTAMINANT, CELLULAR_CONTAMINANT, ERYTHROCYTE, TUMOUR, OTHER }

  /** One protein: symbol, role, typical log10 intensity (NaN: drawn from the seed). */
  record Protein(String symbol, Role role, double log10Intensity) {}

  private static final Object[][] FIXED = {
      {"CD9", Role.EV_MARKER, 7.4}, {"CD63", Role.EV_MARKER, 7.1}, {"CD81", Role.EV_MARKER, 6.9},
      {"TSG101", Role.EV_MARKER, 6.4}, {"PDCD6IP", Role.EV_MARKER, 6.7}, {"SDCBP", Role.EV_MARKER, 6.5},
      {"FLOT1", Role.EV_MARKER, 6.5}, {"FLOT2", Role.EV_MARKER, 6.2}, {"HSPA8", Role.EV_MARKER, 7.0},
      {"ALB", Role.PLASMA_CONTAMINANT, 8.6}, {"APOA1", Role.PLASMA_CONTAMINANT, 8.0},
      {"APOB", Role.PLASMA_CONTAMINANT, 7.6}, {"CANX", Role.CELLULAR_CONTAMINANT, 4.7},
      {"APOE", Role.PLASMA_CONTAMINANT, 6.8}, {"APOA2", Role.PLASMA_CONTAMINANT, 7.0},
      {"HP", Role.PLASMA_CONTAMINANT, 7.3}, {"TF", Role.PLASMA_CONTAMINANT, 7.4},
      {"FGA", Role.PLASMA_CONTAMINANT, 7.1}, {"FGB", Role.PLASMA_CONTAMINANT, 7.1},
      {"CALR", Role.CELLULAR_CONTAMINANT, 5.0}, {"HSPA5", Role.CELLULAR_CONTAMINANT, 5.1},
      {"GOLGA2", Role.CELLULAR_CONTAMINANT, 4.4}, {"CYCS", Role.CELLULAR_CONTAMINANT, 4.8},
      {"HBB", Role.ERYTHROCYTE, 6.4}, {"HBA1", Role.ERYTHROCYTE, 6.3}, {"CA1", Role.ERYTHROCYTE, 5.2},
      {"GPC1", Role.TUMOUR, 5.4}, {"MIF", Role.TUMOUR, 5.9}, {"MET", Role.TUMOUR, 5.2},
      {"EPCAM", Role.TUMOUR, 5.3}, {"CD24", Role.TUMOUR, 5.5}, {"ERBB2", Role.TUMOUR, 5.1},
      {"EGFR", Role.TUMOUR, 5.5}, {"FOLH1", Role.TUMOUR, 5.0}, {"CEACAM5", Role.TUMOUR, 5.0},
      {"GPC3", Role.TUMOUR, 4.9}, {"CA9", Role.TUMOUR, 4.8}, {"MUC16", Role.TUMOUR, 5.0},
      {"PMEL", Role.TUMOUR, 4.9},
  };

  private static final String OTHERS = """
      ANXA2 ANXA5 ANXA1 ITGB1 LAMP1 RAB5A RAB7A CD47 MFGE8 HSP90AA1 ACTB ACTG1 GAPDH ENO1 PKM LDHA ALDOA PGK1 TPI1
      YWHAZ YWHAE YWHAB YWHAQ MSN EZR RDX CFL1 PFN1 TUBA1B TUBB VIM MYH9 TLN1 FLNA CLTC GNB1 GNAI2 RAP1B RAC1
      CDC42 RHOA ARF1 ARF6 VPS4A VPS4B CHMP4B CHMP2A VPS28 PTGFRN IGSF8 BSG SLC3A2 ATP1A1 SLC2A1 CD59 CD55 CD46
      ITGA6 ITGB3 ITGA2B GP1BA SELP PF4 PPBP THBS1 VWF FN1 LGALS3 LGALS3BP LGALS1 S100A4 S100A6 S100A8 S100A9
      S100A10 S100A11 HSPA1A HSPA4 HSP90AB1 HSPB1 PPIA PPIB PRDX1 PRDX2 PRDX6 SOD1 CAT GSTP1 TXN PEBP1 PARK7 NME1
      NME2 EEF1A1 EEF2 RPS3 RPL7 HNRNPA2B1 NCL NPM1 C3 C4A CFB A2M CLU SERPINA1 SERPINC1 ORM1 AHSG AMBP APOC3
      APOM LRG1 ITIH4 PLG KNG1 F2 GSN VTN CP HPX AGT AZGP1 PIGR UMOD AQP2 PODXL CD14 CD5L JCHAIN FCGBP TGFBI
      POSTN SPARC TIMP1 MMP9 MMP2 PLAU PLAUR CTSD CTSB LAMB1 LAMC1 COL6A1 HSPG2 NT5E ENPP1 ANPEP DPP4 MME ACE
      PROM1 CD276 CD274 TFRC SLC1A5 SLC7A5 HLA-A HLA-B B2M ADAM10 ADAM17 TSPAN6 TSPAN14 TSPAN33 CD151 CD82 CD37
      CD53 MUC1 CLDN4 KRT19 KRT8 KRT18 MCAM L1CAM CD44 EPHA2 CD2AP GNAS GNA13 RAB11A RAB27A RAB35 SNX9 STOM
      """;

  private static final List<Protein> ALL = build();

  private ProteinPool() {}

  static List<Protein> all() {
    return ALL;
  }

  static int max() {
    return ALL.size();
  }

  private static List<Protein> build() {
    List<Protein> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Object[] f : FIXED) {
      if (seen.add((String) f[0])) out.add(new Protein((String) f[0], (Role) f[1], (Double) f[2]));
    }
    for (String s : OTHERS.trim().split("\\s+")) {
      Role role = Set.of("ANXA2", "ANXA5", "ITGB1", "LAMP1", "CD47", "MFGE8").contains(s) ? Role.EV_MARKER
          : Role.OTHER;
      if (seen.add(s)) out.add(new Protein(s, role, Double.NaN));
    }
    return Collections.unmodifiableList(out);
  }
}
