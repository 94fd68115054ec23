package io.exocohort.ingest;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Turns the rows of a miR count or protein intensity file, long ({@code sample_id, feature, value}) or wide
 * (feature, then one column per sample), into (sample, feature, value) rows, each with its line and column and
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

  public static final StructType SCHEMA = new StructType()
      .add("sample_id", StringType, true)
      .add("feature", StringType, true)
      .add("value", DoubleType, true)
      .add("line", LongType, true)
      .add("column", StringType, true)
      .add("raw", StringType, true)
      .add("reason", StringType, true);

  private static final String[] SAMPLE_NAMES = {"sample_id", "sample"};
  private static final String[] FEATURE_NAMES = {"feature", "mirna", "mir", "protein", "gene", "name"};
  private static final String[] VALUE_NAMES = {"value", "count", "counts", "intensity", "abundance"};

  private final Modality modality;
  private final Scale scale;
  public final Layout layout;
  private final int width;
  private final String[] sampleColumns;
  private final int sampleIdx;
  private final int featureIdx;
  private final int valueIdx;

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
      sampleColumns = new String[width];
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 1; i < width; i++) {
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
      featureIdx = 0;
      valueIdx = -1;
    }
  }

  private static int find(SourceFile f, String[] names) {
    for (String n : names) {
      int i = f.column(n);
      if (i >= 0) return i;
    }
    return -1;
  }

  /** Sample ids named in a wide header (empty for long layout). */
  public List<String> wideSamples() {
    List<String> out = new ArrayList<>();
    if (sampleColumns != null) for (int i = 1; i < sampleColumns.length; i++) out.add(sampleColumns[i]);
    return out;
  }

  public Iterator<Row> parse(Records.Record rec) {
    if (rec.problem != null) {
      return List.of(RowFactory.create(null, null, null, rec.line, null, null, rec.problem)).iterator();
    }
    String[] f = rec.fields;
    if (f.length != width) {
      String feat = f.length > 0 ? clip(f[layout == Layout.WIDE ? 0 : Math.min(featureIdx, f.length - 1)]) : null;
      return List.of(RowFactory.create(null, feat, null, rec.line, null, null,
          "line has " + f.length + " fields, the header has " + width)).iterator();
    }
    if (layout == Layout.LONG) {
      return List.of(cell(f[sampleIdx], f[featureIdx], f[valueIdx], rec.line, "value")).iterator();
    }
    String feature = f[0];
    List<Row> out = new ArrayList<>(width - 1);
    for (int i = 1; i < width; i++) out.add(cell(sampleColumns[i], feature, f[i], rec.line, sampleColumns[i]));
    return out.iterator();
  }

  private Row cell(String sample, String feature, String raw, long line, String column) {
    String s = sample == null ? null : sample.strip();
    String ft = feature == null ? null : feature.strip();
    if (s == null || s.isEmpty()) return RowFactory.create(null, ft, null, line, "sample_id", null, "sample_id is empty");
    if (ft == null || ft.isEmpty()) return RowFactory.create(s, null, null, line, "feature", null, "feature name is empty");
    if (ft.length() > 200) return RowFactory.create(s, clip(ft), null, line, "feature", null, "feature name is longer than 200 characters");
    String t = raw.strip();
    if (modality == Modality.PROTEIN) {
      if (ManifestParser.isNa(t)) return RowFactory.create(s, ft, null, line, column, null, null);
      Double d = ManifestParser.number(t);
      if (d == null) return RowFactory.create(s, ft, null, line, column, clip(raw), notNumber(t));
      double lin;
      switch (scale) {
        case LOG2: lin = Math.pow(2, d); break;
        case LOG10: lin = Math.pow(10, d); break;
        case LN: lin = Math.exp(d); break;
        default:
          if (d < 0) return RowFactory.create(s, ft, null, line, column, clip(raw), "negative intensity on the linear scale");
          lin = d;
      }
      if (scale != Scale.LINEAR && (!Double.isFinite(lin) || lin == 0)) {
        return RowFactory.create(s, ft, null, line, column, clip(raw), "log-scale value out of range");
      }
      return RowFactory.create(s, ft, lin == 0 ? null : lin, line, column, null, null);
    }
    if (t.isEmpty()) return RowFactory.create(s, ft, null, line, column, "", "missing count");
    Double d = ManifestParser.number(t);
    if (d == null) return RowFactory.create(s, ft, null, line, column, clip(raw), notNumber(t));
    if (d < 0) return RowFactory.create(s, ft, null, line, column, clip(raw), "negative count");
    return RowFactory.create(s, ft, d, line, column, null, null);
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
