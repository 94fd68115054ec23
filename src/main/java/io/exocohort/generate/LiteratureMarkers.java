package io.exocohort.generate;

import java.util.List;

/**
 * Disease effects planted because the literature reports them for circulating / exosomal miRNAs and EV proteins
 * (log2 fold change versus healthy at stage IV; lower stages are scaled by {@link CancerTypes#STAGE_SCALE}).
 * Sizes are illustrative, not meta-analysis estimates. Examples: miR-21-5p in oesophageal, pancreatic and breast
 * cancer; miR-1246 in pancreatic / oesophageal cancer; miR-141-3p and miR-375 in prostate cancer; miR-10b-5p in
 * glioblastoma; miR-122-5p in liver cancer; GPC1 (Melo et al. 2015) and MIF (Costa-Silva et al. 2015) on
 * pancreatic cancer exosomes; MET on melanoma exosomes (Peinado et al. 2012); EPCAM and CD24 on ovarian cancer
 * exosomes; ERBB2 on breast cancer exosomes.
 */
final class LiteratureMarkers {
  record Marker(String cancerType, String feature, double log2fc) {}

  static final List<Marker> MIRNA = List.of(
      new Marker("pancreatic", "hsa-miR-21-5p", 1.3),
      new Marker("pancreatic", "hsa-miR-1246", 1.6),
      new Marker("pancreatic", "hsa-miR-196a-5p", 1.2),
      new Marker("pancreatic", "hsa-miR-10b-5p", 1.0),
      new Marker("pancreatic", "hsa-miR-1290", 1.1),
      new Marker("breast", "hsa-miR-21-5p", 1.0),
      new Marker("breast", "hsa-miR-155-5p", 1.3),
      new Marker("breast", "hsa-miR-1246", 1.0),
      new Marker("breast", "hsa-miR-373-3p", 1.2),
      new Marker("breast", "hsa-miR-105-5p", 1.1),
      new Marker("breast", "hsa-miR-145-5p", -0.9),
      new Marker("ovarian", "hsa-miR-200a-3p", 1.2),
      new Marker("ovarian", "hsa-miR-200b-3p", 1.3),
      new Marker("ovarian", "hsa-miR-200c-3p", 1.4),
      new Marker("ovarian", "hsa-miR-141-3p", 1.0),
      new Marker("ovarian", "hsa-miR-21-5p", 0.8),
      new Marker("ovarian", "hsa-miR-145-5p", -0.9),
      new Marker("prostate", "hsa-miR-141-3p", 1.6),
      new Marker("prostate", "hsa-miR-375-3p", 1.5),
      new Marker("prostate", "hsa-miR-1290", 1.2),
      new Marker("prostate", "hsa-miR-221-3p", -0.9),
      new Marker("colorectal", "hsa-miR-1229-3p", 1.2),
      new Marker("colorectal", "hsa-miR-223-3p", 1.0),
      new Marker("colorectal", "hsa-miR-17-5p", 0.9),
      new Marker("colorectal", "hsa-miR-19a-3p", 0.9),
      new Marker("colorectal", "hsa-miR-150-5p", -1.0),
      new Marker("esophageal", "hsa-miR-21-5p", 1.6),
      new Marker("esophageal", "hsa-miR-1246", 1.8),
      new Marker("esophageal", "hsa-miR-93-5p", 0.9),
      new Marker("esophageal", "hsa-miR-375-3p", -1.0),
      new Marker("glioblastoma", "hsa-miR-10b-5p", 1.6),
      new Marker("glioblastoma", "hsa-miR-21-5p", 1.2),
      new Marker("glioblastoma", "hsa-miR-210-3p", 1.0),
      new Marker("glioblastoma", "hsa-miR-9-5p", 1.0),
      new Marker("glioblastoma", "hsa-miR-182-5p", 0.9),
      new Marker("melanoma", "hsa-miR-222-3p", 1.2),
      new Marker("melanoma", "hsa-miR-221-3p", 1.0),
      new Marker("melanoma", "hsa-miR-125b-5p", -1.1),
      new Marker("lung", "hsa-miR-21-5p", 0.9),
      new Marker("lung", "hsa-miR-210-3p", 1.2),
      new Marker("lung", "hsa-miR-205-5p", 1.3),
      new Marker("lung", "hsa-miR-31-5p", 1.0),
      new Marker("lung", "hsa-miR-486-5p", -1.0),
      new Marker("bladder", "hsa-miR-183-5p", 1.2),
      new Marker("bladder", "hsa-miR-96-5p", 1.3),
      new Marker("bladder", "hsa-miR-205-5p", 0.9),
      new Marker("bladder", "hsa-miR-145-5p", -1.1),
      new Marker("liver", "hsa-miR-122-5p", 2.0),
      new Marker("liver", "hsa-miR-885-5p", 1.6),
      new Marker("liver", "hsa-miR-21-5p", 0.9),
      new Marker("liver", "hsa-miR-224-5p", 1.1),
      new Marker("gastric", "hsa-miR-21-5p", 1.0),
      new Marker("gastric", "hsa-miR-106a-5p", 1.1),
      new Marker("gastric", "hsa-miR-423-5p", 1.0),
      new Marker("gastric", "hsa-miR-148a-3p", -0.9),
      new Marker("kidney", "hsa-miR-210-3p", 1.5),
      new Marker("kidney", "hsa-miR-1233-3p", 1.4),
      new Marker("kidney", "hsa-miR-224-5p", 1.0),
      new Marker("kidney", "hsa-miR-99a-5p", -0.8));

  static final List<Marker> PROTEIN = List.of(
      new Marker("pancreatic", "GPC1", 2.0),
      new Marker("pancreatic", "MIF", 1.5),
      new Marker("breast", "ERBB2", 1.5),
      new Marker("ovarian", "EPCAM", 1.6),
      new Marker("ovarian", "CD24", 1.4),
      new Marker("ovarian", "MUC16", 1.8),
      new Marker("prostate", "FOLH1", 1.6),
      new Marker("colorectal", "CEACAM5", 1.5),
      new Marker("glioblastoma", "EGFR", 1.2),
      new Marker("melanoma", "MET", 1.8),
      new Marker("melanoma", "PMEL", 1.2),
      new Marker("liver", "GPC3", 1.8),
      new Marker("kidney", "CA9", 1.6));

  private LiteratureMarkers() {}
}
