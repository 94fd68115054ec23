package io.exocohort.ingest;


import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the rows of a miR count or protein intensity file, long ({@code sample_id, feature, value}) or wide
 * (feature, then one column per sample; an R {@code write.csv} file's unnamed row-number column before a named
 * feature column is skipped), into (sample, feature, value) rows, each with its line and column and
 * the reason it is rejected, if it is. Header problems (duplicate or empty sample columns, missing long
 * columns) throw {@link BadInputException}: the whole file is refused.
 *
 * <p>Values: miR counts must be finite and &ge; 0 (NA, NaN, Inf, negatives and text are rejected). Protein
 * intensities: empty, NA and NaN mean "not quantified" (stored as null, the MaxQuant/Perseus convention); on
 * the linear scale 0 also means not quantified and negatives are rejected; log2 / log10 / ln inputs are
 * converted to linear.
 */
public final class CountParser implements Serializable {
  private static final long serialVersionUID = 1L;

  public enum Layout { LONG, WIDE }

  public enum Scale {
    LINEAR, LOG2, LOG10, LN;

    public static Scale parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--protein-scale must be linear, log2, log10 or ln, not '" + s + "'");
      }
    }
  }


  private static final String[] SAMPLE_NAMES = {"sample_id", "sample"};
  private static final String[] FEATURE_NAMES = {"feature", "mirna", "mir", "protein", "gene", "gene_id", "name"};
  private static final String[] VALUE_NAMES = {"value", "count", "counts", "intensity", "abundance"};

  private final Modality modality;
  private final Scale scale;
  public final Layout layout;
  private final int width;
  private final String[] sampleColumns;
  private final int sampleIdx;
  private final int featureIdx;
  private final int valueIdx;
  /** Wide layout: the first sample column (1, or 2 after an R row-number column). */
  private final int firstSample;

  public CountParser(SourceFile f, String layoutOption, Modality modality, Scale scale) {
    this.modality = modality;
    this.scale = scale;
    this.width = f.header.length;
    int s = find(f, SAMPLE_NAMES);
    int v = find(f, VALUE_NAMES);
    int ftAuto = find(f, FEATURE_NAMES);
    Layout l;
    switch (layoutOption.toLowerCase(Locale.ROOT)) {
      case "long": l = Layout.LONG; break;
      case "wide": l = Layout.WIDE; break;
      case "auto":
        // Long files have a sample_id column beside the feature and value columns; wide headers are sample ids.
        l = s >= 0 && (v >= 0 || ftAuto >= 0) && width <= 4 ? Layout.LONG : Layout.WIDE;
        break;
      default: throw new BadInputException("--layout must be auto, long or wide, not '" + layoutOption + "'");
    }
    this.layout = l;
    if (l == Layout.LONG) {
      int ft = find(f, FEATURE_NAMES);
      List<String> missing = new ArrayList<>();
      if (s < 0) missing.add("sample_id");
      if (ft < 0) missing.add("feature");
      if (v < 0) missing.add("value");
      if (!missing.isEmpty()) {
        throw new BadInputException(f.given, 1, null, "long layout needs columns sample_id, feature, value; missing "
            + String.join(", ", missing) + " (header: " + String.join(", ", f.header) + ")");
      }
      sampleIdx = s;
      featureIdx = ft;
      valueIdx = v;
      sampleColumns = null;
    } else {
      if (width < 2) {
        throw new BadInputException(f.given, 1, null,
            "wide layout needs a feature column and at least one sample column; the header has " + width
                + " column (is the delimiter tab, comma or semicolon?)");
      }
      // R's write.csv(row.names = TRUE) writes an unnamed first column: the feature names (then it is the
      // feature column as usual) or the row numbers 1, 2, ... before a named feature column, which is skipped.
      int ft = 0;
      if (f.header[0].strip().isEmpty() && width > 2 && isFeatureName(f.header[1])) ft = 1;
      sampleColumns = new String[width];
      Map<String, Integer> seen = new HashMap<>();
      for (int i = ft + 1; i < width; i++) {
        String name = f.header[i].strip();
        if (name.isEmpty()) {
          throw new BadInputException(f.given, 1, "#" + (i + 1), "sample column " + (i + 1) + " has no name");
        }
        Integer prev = seen.put(name, i);
        if (prev != null) {
          throw new BadInputException(f.given, 1, name, "sample column appears twice (columns " + (prev + 1)
              + " and " + (i + 1) + ")");
        }
        sampleColumns[i] = name;
      }
      sampleIdx = -1;
      featureIdx = ft;
      valueIdx = -1;
    }
    this.firstSample = featureIdx + 1;
  }

  /** Whether a header cell names a feature column (feature, mirna, gene_id, ...; case and spacing folded). */
  static boolean isFeatureName(String cell) {
    String n = SourceFile.normalise(cell);
    for (String x : FEATURE_NAMES) if (x.equals(n)) return true;
    return false;
  }

  private static int find(SourceFile f, String[] names) {
    for (String n : names) {
      int i = f.column(n);
      if (i >= 0) return i;
    }
    return -1;
  }

  /** Whether a long file's sample and feature columns are its first two (the scan then cuts only those). */
  public boolean keysFirst() {
    return layout == Layout.LONG && Math.max(sampleIdx, featureIdx) <= 1;
  }

  /** Sample ids named in a wide header (empty for long layout). */
  public List<String> wideSamples() {
    List<String> out = new ArrayList<>();
    if (sampleColumns != null) for (int i = firstSample; i < sampleColumns.length; i++) out.add(sampleColumns[i]);
    return out;
  }

  /** Receives each value of a record: its sample, feature, parsed value, column, raw text and reason. */
  public interface CellSink {
    void accept(String sample, String feature, Double value, String column, String raw, String reason);
  }

  /**
   * Emits every value of one record with the reason it is rejected (null if it is good as far as the file
   * alone can tell; samples and duplicates are checked by the caller). A ragged or unreadable line is one
   * cell with a null sample.
   */
  public void cells(Records.Record rec, CellSink sink) {
    if (rec.problem != null) {
      sink.accept(null, null, null, null, null, rec.problem);
      return;
    }
    String[] f = rec.fields;
    if (f.length != width) {
      String feat = f.length > 0 ? clip(f[Math.min(featureIdx, f.length - 1)]) : null;
      sink.accept(null, feat, null, null, null, "line has " + f.length + " fields, the header has " + width);
      return;
    }
    if (layout == Layout.LONG) {
      cell(f[sampleIdx], f[featureIdx], f[valueIdx], "value", sink);
      return;
    }
    String feature = f[featureIdx];
    for (int i = firstSample; i < width; i++) cell(sampleColumns[i], feature, f[i], sampleColumns[i], sink);
  }

  /** The feature of a well-formed wide line, or null. */
  public String wideFeature(Records.Record rec) {
    if (rec.problem != null || rec.fields.length != width) return null;
    String ft = rec.fields[featureIdx].strip();
    return ft.isEmpty() ? null : ft;
  }

  /** The (sample, feature) key of a well-formed long line, or null. */
  public String[] longKey(Records.Record rec) {
    if (rec.problem != null || rec.fields.length != width) return null;
    String s = rec.fields[sampleIdx].strip();
    String ft = rec.fields[featureIdx].strip();
    return s.isEmpty() || ft.isEmpty() ? null : new String[] {s, ft};
  }

  private void cell(String sample, String feature, String raw, String column, CellSink sink) {
    String s = sample == null ? null : sample.strip();
    String ft = feature == null ? null : feature.strip();
    if (s == null || s.isEmpty()) {
      sink.accept(null, ft, null, "sample_id", null, "sample_id is empty");
      return;
    }
    if (ft == null || ft.isEmpty()) {
      sink.accept(s, null, null, "feature", null, "feature name is empty");
      return;
    }
    if (ft.length() > 200) {
      sink.accept(s, clip(ft), null, "feature", null, "feature name is longer than 200 characters");
      return;
    }
    String t = raw.strip();
    if (modality == Modality.PROTEIN) {
      if (ManifestParser.isNa(t)) {
        sink.accept(s, ft, null, column, null, null);
        return;
      }
      Double d = ManifestParser.number(t);
      if (d == null) {
        sink.accept(s, ft, null, column, clip(raw), notNumber(t));
        return;
      }
      double lin;
      switch (scale) {
        case LOG2: lin = Math.pow(2, d); break;
        case LOG10: lin = Math.pow(10, d); break;
        case LN: lin = Math.exp(d); break;
        default:
          if (d < 0) {
            sink.accept(s, ft, null, column, clip(raw), "negative intensity on the linear scale");
            return;
          }
          lin = d;
      }
      if (scale != Scale.LINEAR && (!Double.isFinite(lin) || lin == 0)) {
        sink.accept(s, ft, null, column, clip(raw), "log-scale value out of range");
        return;
      }
      sink.accept(s, ft, lin == 0 ? null : lin, column, null, null);
      return;
    }
    if (t.isEmpty()) {
      sink.accept(s, ft, null, column, "", "missing count");
      return;
    }
    Double d = ManifestParser.number(t);
    if (d == null) sink.accept(s, ft, null, column, clip(raw), notNumber(t));
    else if (d < 0) sink.accept(s, ft, null, column, clip(raw), "negative count");
    else sink.accept(s, ft, d, column, null, null);
  }

  private static String notNumber(String t) {
    String l = t.toLowerCase(Locale.ROOT);
    if (l.equals("nan") || l.equals("na") || l.equals("n/a")) return "missing value (" + t + ")";
    if (l.contains("inf")) return "infinite value";
    return "not a number";
  }

  private static String clip(String s) {
    return s == null ? null : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
