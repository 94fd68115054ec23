package io.exocohort.ingest;

import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.sql.Date;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Turns one manifest row into a sample record: cancer type through the alias table (with its category), stage /
 * sex / age (years as given, or an age band) / date / particle figures validated and normalised, other columns
 * kept in {@code extra}, and the subject id replaced by its keyed pseudonym. A problem with a required field
 * becomes a {@code reason} (the row then goes to quarantine); a bad optional field is set to null and noted
 * (its own quarantine row; the sample is kept). Never an exception. Columns that hold direct identifiers (conf {@code exocohort.ingest.identifier.columns}) are
 * dropped, never stored.
 */
public final class ManifestParser implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final List<String> REQUIRED = List.of("sample_id", "subject_id", "cancer_type");
  public static final List<String> OPTIONAL = List.of("stage", "sex", "age", "biofluid", "isolation_method",
      "batch", "site", "collection_date", "particle_concentration", "particle_size_nm");

  /** One optional field that was set to null: its column, value as given and why. */
  public static final StructType NOTE = new StructType()
      .add("column", StringType, false).add("value", StringType, true).add("reason", StringType, false);

  /**
   * The parsed row: the samples table's descriptive columns, the optional fields set to null ({@code notes}:
   * the sample is kept), then the location and reason of a problem that rejects the whole row.
   */
  public static final StructType SCHEMA = new StructType()
      .add("sample_id", StringType, true)
      .add("subject_key", StringType, true)
      .add("cancer_type", StringType, true)
      .add("cancer_type_source", StringType, true)
      .add("category", StringType, true)
      .add("stage", StringType, true)
      .add("sex", StringType, true)
      .add("age", DoubleType, true)
      .add("age_band", StringType, true)
      .add("biofluid", StringType, true)
      .add("isolation_method", StringType, true)
      .add("batch", StringType, true)
      .add("site", StringType, true)
      .add("collection_date", DateType, true)
      .add("particle_concentration", DoubleType, true)
      .add("particle_size_nm", DoubleType, true)
      .add("extra", DataTypes.createMapType(StringType, StringType, true), true)
      .add("notes", DataTypes.createArrayType(NOTE, false), true)
      .add("line", LongType, true)
      .add("reason", StringType, true)
      .add("reason_column", StringType, true)
      .add("reason_value", StringType, true)
      .add("fingerprint", StringType, true);

  /** Positions in {@link #SCHEMA}. */
  static final int LINE = SCHEMA.fieldIndex("line");
  static final int REASON = SCHEMA.fieldIndex("reason");
  static final int FINGERPRINT = SCHEMA.fieldIndex("fingerprint");
  /** Appended to the reason of an optional field set to null (the quarantine row of a kept sample). */
  public static final String NULLED = "field set to null, sample kept";

  private final String file;
  private final int width;
  private final Map<String, Integer> idx = new HashMap<>();
  private final LinkedHashMap<Integer, String> extraCols = new LinkedHashMap<>();
  private final CancerTypes cancerTypes;
  private final Pseudonymizer pseudonymizer;

  public ManifestParser(SourceFile f, CancerTypes cancerTypes, Pseudonymizer pseudonymizer,
      Set<String> identifierColumns) {
    this.file = f.given;
    this.width = f.header.length;
    this.cancerTypes = cancerTypes;
    this.pseudonymizer = pseudonymizer;
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < f.header.length; i++) {
      String n = SourceFile.normalise(f.header[i]);
      if (n.isEmpty() && i == 0) continue; // R's write.csv row names: not data
      if (n.isEmpty()) throw new BadInputException(file, 1, "#" + (i + 1), "header has an empty column name");
      Integer prev = seen.put(n, i);
      if (prev != null) {
        throw new BadInputException(file, 1, f.header[i], "column appears twice in the header (columns "
            + (prev + 1) + " and " + (i + 1) + ")");
      }
      if (REQUIRED.contains(n) || OPTIONAL.contains(n)) idx.put(n, i);
      else if (!identifierColumns.contains(n) && !n.equals("cohort")) extraCols.put(i, f.header[i].strip());
    }
    List<String> missing = new ArrayList<>();
    for (String r : REQUIRED) if (!idx.containsKey(r)) missing.add(r);
    if (!missing.isEmpty()) {
      throw new BadInputException(file, 1, null, "missing required column(s) " + String.join(", ", missing)
          + "; the header has: " + String.join(", ", f.header));
    }
  }

  static boolean isNa(String s) {
    if (s == null) return true;
    String t = s.strip().toLowerCase(Locale.ROOT);
    return t.isEmpty() || t.equals("na") || t.equals("n/a") || t.equals("nan") || t.equals("null")
        || t.equals("none") || t.equals(".") || t.equals("-");
  }

  private static String clip(String s) {
    return s == null ? null : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /**
   * Parses one record; never throws for bad content. A missing or unknown required field (sample_id,
   * subject_id, cancer_type) or a ragged line rejects the row; a bad optional field is set to null (stage: to
   * unknown for a cancer) and recorded in {@code notes}, and the sample is kept.
   */
  public Row parse(Records.Record rec) {
    if (rec.problem != null) return problemRow(null, rec.line(null), null, null, rec.problem);
    String[] f = rec.fields;
    String sampleId = f.length > 0 && idx.get("sample_id") < f.length ? f[idx.get("sample_id")] : null;
    if (f.length != width) {
      return problemRow(isNa(sampleId) ? null : clip(sampleId), rec.line(null), null, null,
          "line has " + f.length + " fields, the header has " + width);
    }
    Problems p = new Problems(f);
    if (isNa(sampleId)) p.reject("sample_id", "sample_id is empty");
    String subject = get(f, "subject_id");
    String subjectKey = null;
    if (isNa(subject)) p.reject("subject_id", "subject_id is empty");
    else subjectKey = pseudonymizer.pseudonym(subject.strip());

    String ctSource = get(f, "cancer_type");
    String ct = cancerTypes.canonical(ctSource);
    if (isNa(ctSource)) p.reject("cancer_type", "cancer_type is empty");
    else if (ct == null) p.reject("cancer_type", "unknown cancer type '" + clip(ctSource)
        + "' (add it to conf/cancer_types.tsv, or give a table of your own with ingest --cancer-types FILE)");
    String category = cancerTypes.category(ct);

    String stage = stageOf(f, ct, category, p);
    String sex = sexOf(f, p);
    Age age = ageOf(f, p);
    Date date = dateOf(f, p);
    Double conc = numberOf(f, "particle_concentration", false, p);
    Double size = numberOf(f, "particle_size_nm", true, p);
    String biofluid = lower(get(f, "biofluid"));
    String isolation = plain(get(f, "isolation_method"));
    String batch = plain(get(f, "batch"));
    String site = plain(get(f, "site"));
    Map<String, String> extra = extraOf(f);
    String reason = p.reason();
    String fingerprint = reason != null ? null : String.valueOf(Objects.hash(subjectKey, ct, stage, sex, age.years(),
        age.band(), biofluid, isolation, batch, site, date, conc, size, extra)) + "|" + subjectKey + "|" + ct;
    return RowFactory.create(isNa(sampleId) ? null : sampleId.strip(), subjectKey, ct,
        isNa(ctSource) ? null : ctSource.strip(), category, stage, sex, age.years(), age.band(), biofluid,
        isolation, batch, site, date, conc, size, scala.jdk.javaapi.CollectionConverters.asScala(extra),
        p.notes.isEmpty() ? null : scala.jdk.javaapi.CollectionConverters.asScala(p.notes).toSeq(), rec.line(null),
        reason, p.badColumn, p.badValue, fingerprint);
  }

  /** A row's problems: those that reject it, and the optional fields set to null (the sample kept). */
  private final class Problems {
    private final String[] fields;
    final List<String> reasons = new ArrayList<>();
    final List<Row> notes = new ArrayList<>();
    final List<String> optional = new ArrayList<>();
    String badColumn;
    String badValue;

    Problems(String[] fields) {
      this.fields = fields;
    }

    /** A problem that rejects the row; the first one names the column and value. */
    void reject(String col, String msg) {
      reasons.add(msg);
      if (badColumn == null) {
        badColumn = col;
        badValue = col.equals("subject_id") ? null : clip(get(fields, col));
      }
    }

    /** An optional field set to null. */
    void nulled(String col, String msg) {
      notes.add(RowFactory.create(col, clip(get(fields, col)), msg + " (" + NULLED + ")"));
      optional.add(msg);
    }

    /** The rejection reason (every problem, the optional ones too), or null if the row is accepted. */
    String reason() {
      if (reasons.isEmpty()) return null;
      notes.clear();
      List<String> all = new ArrayList<>(reasons);
      all.addAll(optional);
      return String.join("; ", all);
    }
  }

  /** The stage: unknown for a cancer without one; none for a healthy sample. */
  private String stageOf(String[] f, String ct, String category, Problems p) {
    String stage = null;
    String stageRaw = get(f, "stage");
    if (!isNa(stageRaw)) {
      stage = stage(stageRaw);
      if (stage == null) {
        p.nulled("stage", "stage '" + clip(stageRaw) + "' is not 0, I, II, III, IV or unknown");
      } else if (CancerTypes.HEALTHY.equals(ct) && !stage.equals("unknown")) {
        p.nulled("stage", "a healthy sample has stage " + stage);
        stage = null;
      }
    }
    if (stage == null && CancerTypes.CANCER.equals(category)) stage = "unknown";
    if (CancerTypes.HEALTHY.equals(ct) && "unknown".equals(stage)) stage = null;
    return stage;
  }

  private String sexOf(String[] f, Problems p) {
    String sexRaw = get(f, "sex");
    if (isNa(sexRaw)) return null;
    String s = sexRaw.strip().toLowerCase(Locale.ROOT);
    if (s.equals("m") || s.equals("male")) return "M";
    if (s.equals("f") || s.equals("female")) return "F";
    if (!s.equals("unknown") && !s.equals("u")) p.nulled("sex", "sex '" + clip(sexRaw) + "' is not M or F");
    return null;
  }

  /** An age in years, or an age band where the manifest gives one (at most one of the two is set). */
  private record Age(Double years, String band) {}

  private Age ageOf(String[] f, Problems p) {
    String ageRaw = get(f, "age");
    if (isNa(ageRaw)) return new Age(null, null);
    Double a = number(ageRaw);
    if (a != null) {
      if (a >= 0 && a <= 130) return new Age(a, null);
      p.nulled("age", "age '" + clip(ageRaw) + "' is not from 0 to 130 years");
      return new Age(null, null);
    }
    String band = ageBand(ageRaw);
    if (band == null) {
      p.nulled("age", "age '" + clip(ageRaw) + "' is neither a number of years from 0 to 130 nor an age "
          + "band (40-49, 80+, >80, <40)");
    }
    return new Age(null, band);
  }

  private Date dateOf(String[] f, Problems p) {
    String dateRaw = get(f, "collection_date");
    if (isNa(dateRaw)) return null;
    try {
      return Date.valueOf(LocalDate.parse(dateRaw.strip()));
    } catch (DateTimeParseException e) {
      p.nulled("collection_date", "collection_date '" + clip(dateRaw) + "' is not a date yyyy-MM-dd");
      return null;
    }
  }

  /** A non-negative number ({@code positive}: above zero), else null (and noted). */
  private Double numberOf(String[] f, String col, boolean positive, Problems p) {
    String raw = get(f, col);
    if (isNa(raw)) return null;
    Double v = number(raw);
    if (v == null || (positive ? v <= 0 : v < 0)) {
      p.nulled(col, col + " '" + clip(raw) + "' is not a " + (positive ? "positive" : "non-negative") + " number");
      return null;
    }
    return v;
  }

  /** The manifest's extra columns (not declared, not identifiers) that have a value. */
  private Map<String, String> extraOf(String[] f) {
    Map<String, String> extra = new LinkedHashMap<>();
    for (Map.Entry<Integer, String> e : extraCols.entrySet()) {
      String v = f[e.getKey()];
      if (!isNa(v)) extra.put(e.getValue(), v);
    }
    return extra;
  }

  private static final java.util.regex.Pattern BAND_RANGE =
      java.util.regex.Pattern.compile("(\\d{1,3})\\s*(?:-|\u2013|\u2014|to)\\s*(\\d{1,3})(?:\\s*y(?:ears?|rs?)?)?");
  private static final java.util.regex.Pattern BAND_OPEN =
      java.util.regex.Pattern.compile("(>=|\u2265|>|<=|\u2264|<)\\s*(\\d{1,3})(?:\\s*y(?:ears?|rs?)?)?");
  private static final java.util.regex.Pattern BAND_PLUS =
      java.util.regex.Pattern.compile("(\\d{1,3})\\s*(?:\\+|and (?:over|above|older))(?:\\s*y(?:ears?|rs?)?)?");
  private static final java.util.regex.Pattern BAND_DECADE = java.util.regex.Pattern.compile("(\\d{1,2})0s");

  /**
   * An age band in its normal form, or null if {@code raw} is not one: {@code 40-49} (also "40 - 49", "40 to
   * 49", "40s"), {@code 80+} (also "&gt;=80", "80 and over"), {@code >80}, {@code <40}, {@code <=40}. Bounds are
   * whole years from 0 to 130, the lower not above the upper.
   */
  static String ageBand(String raw) {
    String s = raw.strip().toLowerCase(Locale.ROOT);
    java.util.regex.Matcher m;
    if ((m = BAND_RANGE.matcher(s)).matches()) {
      int lo = Integer.parseInt(m.group(1));
      int hi = Integer.parseInt(m.group(2));
      return lo <= hi && hi <= 130 ? lo + "-" + hi : null;
    }
    if ((m = BAND_DECADE.matcher(s)).matches()) {
      int lo = Integer.parseInt(m.group(1)) * 10;
      return lo + 9 <= 130 ? lo + "-" + (lo + 9) : null;
    }
    if ((m = BAND_PLUS.matcher(s)).matches()) {
      int lo = Integer.parseInt(m.group(1));
      return lo <= 130 ? lo + "+" : null;
    }
    if ((m = BAND_OPEN.matcher(s)).matches()) {
      int x = Integer.parseInt(m.group(2));
      if (x > 130) return null;
      switch (m.group(1)) {
        case ">=": case "\u2265": return x + "+";
        case ">": return ">" + x;
        case "<=": case "\u2264": return "<=" + x;
        default: return "<" + x;
      }
    }
    return null;
  }

  /**
   * Marks duplicated sample ids: if the rows of one sample id carry different metadata, all of them are
   * rejected ("conflicting metadata"); identical repeats are rejected as duplicates of the first good line, which
   * is kept. Rows already rejected keep their reason. Order is kept.
   */
  public static List<Row> resolveDuplicates(List<Row> parsed) {
    Map<String, java.util.Set<String>> fingerprints = new HashMap<>();
    Map<String, Long> firstGood = new HashMap<>();
    for (Row r : parsed) {
      if (r.isNullAt(0)) continue;
      String id = r.getString(0);
      fingerprints.computeIfAbsent(id, k -> new java.util.HashSet<>());
      if (!r.isNullAt(FINGERPRINT)) fingerprints.get(id).add(r.getString(FINGERPRINT));
      if (r.isNullAt(REASON)) firstGood.merge(id, r.getLong(LINE), Math::min);
    }
    List<Row> out = new ArrayList<>(parsed.size());
    for (Row r : parsed) {
      String reason = null;
      if (r.isNullAt(REASON) && !r.isNullAt(0)) {
        String id = r.getString(0);
        if (fingerprints.get(id).size() > 1) {
          reason = "sample '" + id + "' appears on several lines with conflicting metadata";
        } else if (r.getLong(LINE) != firstGood.get(id)) {
          reason = "identical duplicate of line " + firstGood.get(id) + " (that line was kept)";
        }
      }
      if (reason == null) {
        out.add(r);
      } else {
        Object[] v = new Object[r.size()];
        for (int i = 0; i < v.length; i++) v[i] = r.get(i);
        v[REASON] = reason;
        out.add(RowFactory.create(v));
      }
    }
    return out;
  }

  private Row problemRow(String sampleId, long line, String col, String val, String reason) {
    Object[] v = new Object[SCHEMA.size()];
    v[0] = sampleId;
    v[LINE] = line;
    v[REASON] = reason;
    v[REASON + 1] = col;
    v[REASON + 2] = val;
    return RowFactory.create(v);
  }

  private String get(String[] f, String col) {
    Integer i = idx.get(col);
    return i == null ? null : f[i];
  }

  private static String plain(String s) {
    return isNa(s) ? null : s.strip();
  }

  private static String lower(String s) {
    return isNa(s) ? null : s.strip().toLowerCase(Locale.ROOT);
  }

  /** A finite number, or null. Accepts plain decimals and scientific notation; not hex, NaN or Infinity. */
  static Double number(String s) {
    String t = s.strip();
    if (t.isEmpty() || t.length() > 64) return null;
    // Fast path for plain non-negative integers up to 15 digits (most count files): exact as a double.
    if (t.length() <= 15) {
      long v = 0;
      int i = 0;
      for (; i < t.length(); i++) {
        char c = t.charAt(i);
        if (c < '0' || c > '9') break;
        v = v * 10 + (c - '0');
      }
      if (i == t.length()) return (double) v;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (!(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') return null;
    }
    try {
      double d = Double.parseDouble(t);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Normalises a stage: 0, I-IV (sub-stage letters dropped; arabic accepted; "stage" prefix dropped). */
  static String stage(String raw) {
    String s = raw.strip().toUpperCase(Locale.ROOT);
    if (s.startsWith("STAGE")) s = s.substring(5).strip();
    if (s.equals("UNKNOWN") || s.equals("X") || s.equals("NOS")) return "unknown";
    s = s.replaceAll("[ABC][0-9]?$", "");
    switch (s) {
      case "0": return "0";
      case "I": case "1": return "I";
      case "II": case "2": return "II";
      case "III": case "3": return "III";
      case "IV": case "4": return "IV";
      default: return null;
    }
  }
}
