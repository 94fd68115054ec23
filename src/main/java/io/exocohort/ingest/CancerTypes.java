package io.exocohort.ingest;

import io.exocohort.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The group alias table ({@code conf/cancer_types.tsv}, also packed in the jar as
 * {@code exocohort/cancer_types.tsv}): maps the names found in manifests ("Pancreatic Cancer", "PDAC") to one
 * canonical name ("pancreatic"), and gives each canonical name its category:
 * <ul>
 *   <li>{@code healthy}: the name {@code healthy} only (healthy donors, non-disease controls);</li>
 *   <li>{@code cancer}: a malignancy (primary tumours, metastases, sarcomas, haematological cancers);</li>
 *   <li>{@code premalignant}: a precursor lesion (adenoma, DCIS, Barrett's oesophagus, MGUS, ...);</li>
 *   <li>{@code benign}: a non-cancer disease (benign tumours, pancreatitis, cirrhosis, ...).</li>
 * </ul>
 * Rows are {@code alias<TAB>canonical[<TAB>category]}; a canonical name's category is given on any of its rows
 * (and must agree on all); without one it is {@code healthy} for {@code healthy} and {@code cancer} otherwise
 * (the two-column tables written before categories existed). Unknown names are rejected by ingest.
 *
 * <p>de's default contrasts and train's {@code detect} / {@code origin} tasks count only the {@code cancer}
 * category as cancer ({@link #isCancerGroup}): a benign or premalignant group is neither a cancer nor a control.
 */
public final class CancerTypes implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String HEALTHY = "healthy";
  public static final String CANCER = "cancer";
  /** The categories, in the order documented. */
  public static final List<String> CATEGORIES = List.of(HEALTHY, CANCER, "premalignant", "benign");
  private static final String RESOURCE = "exocohort/cancer_types.tsv";

  private final Map<String, String> aliases;
  /** Categories given in the table; a canonical name without one has its default ({@link #category}). */
  private final Map<String, String> categories;
  private final java.util.Set<String> canonicals;

  private CancerTypes(Map<String, String> aliases, Map<String, String> categories) {
    this.aliases = aliases;
    this.categories = categories;
    this.canonicals = new java.util.HashSet<>(aliases.values());
  }

  /** Loads the file if given and present, else the copy in the jar. */
  public static CancerTypes load(String file) {
    if (file != null && !file.isBlank() && Files.isRegularFile(Path.of(file))) return loadFile(file);
    return shipped();
  }

  /**
   * A user's alias table (e.g. {@code ingest --cancer-types FILE}): it must exist and be well-formed, else a
   * {@link BadInputException} names the file (and line).
   */
  public static CancerTypes loadFile(String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) throw new BadInputException(file, -1, null, "alias table not found");
    try (InputStream in = Files.newInputStream(p)) {
      return parse(in, file);
    } catch (IOException e) {
      throw new BadInputException(file, -1, null, "cannot read alias table: " + e.getMessage());
    }
  }

  private static volatile CancerTypes shipped;

  /** The table packed in the jar (the shipped {@code conf/cancer_types.tsv}). */
  public static CancerTypes shipped() {
    CancerTypes s = shipped;
    if (s != null) return s;
    try (InputStream in = CancerTypes.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
      s = parse(in, RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    shipped = s;
    return s;
  }

  static CancerTypes parse(InputStream in, String name) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    Map<String, String> cat = new HashMap<>();
    Map<String, Long> catLine = new HashMap<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    long no = 0;
    while ((line = r.readLine()) != null) {
      no++;
      if (no == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] f = line.split("\t", -1);
      if (f.length < 2 || f.length > 3 || f[0].isBlank() || f[1].isBlank()) {
        throw new BadInputException(name, no, null, "alias table rows are 'alias<TAB>canonical[<TAB>category]'");
      }
      String canonical = f[1].strip();
      if (!canonical.matches("[a-z0-9]+(_[a-z0-9]+)*")) {
        throw new BadInputException(name, no, "canonical", "canonical name '" + BadInputException.clip(canonical, 60)
            + "' is not lower_snake_case (letters a-z, digits, single '_')");
      }
      if (f.length == 3 && !f[2].isBlank()) {
        String c = f[2].strip().toLowerCase(Locale.ROOT);
        if (!CATEGORIES.contains(c)) {
          throw new BadInputException(name, no, "category", "category '" + BadInputException.clip(f[2].strip(), 60)
              + "' is not one of " + String.join(", ", CATEGORIES));
        }
        if (c.equals(HEALTHY) != canonical.equals(HEALTHY)) {
          throw new BadInputException(name, no, "category", "only the canonical name 'healthy' has category "
              + "healthy (here: " + canonical + " " + c + ")");
        }
        String prev = cat.putIfAbsent(canonical, c);
        if (prev != null && !prev.equals(c)) {
          throw new BadInputException(name, no, "category", canonical + " has category " + prev + " on line "
              + catLine.get(canonical) + " and " + c + " here");
        }
        catLine.putIfAbsent(canonical, no);
      }
      m.put(key(f[0]), canonical);
    }
    return new CancerTypes(m, cat);
  }

  /**
   * This table with {@code over}'s rows on top: its aliases win over these, and the categories it gives win over
   * these (a row without a category keeps the canonical name's category from this table).
   */
  public CancerTypes overlay(CancerTypes over) {
    Map<String, String> m = new LinkedHashMap<>(aliases);
    m.putAll(over.aliases);
    Map<String, String> c = new HashMap<>(categories);
    c.putAll(over.categories);
    return new CancerTypes(m, c);
  }

  static String key(String s) {
    return s.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]+", " ");
  }

  /** The canonical name, or null if the name is unknown. */
  public String canonical(String name) {
    return name == null ? null : aliases.get(key(name));
  }

  /** The category of a canonical name (healthy, cancer, premalignant or benign), or null if it is unknown. */
  public String category(String canonical) {
    if (canonical == null) return null;
    String c = categories.get(canonical);
    if (c != null) return c;
    return canonicals.contains(canonical) ? (canonical.equals(HEALTHY) ? HEALTHY : CANCER) : null;
  }

  public TreeSet<String> canonicalNames() {
    return new TreeSet<>(aliases.values());
  }

  /**
   * Whether a group (canonical name) counts as a cancer in de's default contrasts and train's tasks: not
   * {@code healthy}, and not of a non-cancer category in the shipped table. Names the shipped table does not
   * know (a site's own overlay) count as cancers, as every non-healthy group did before categories existed.
   */
  public static boolean isCancerGroup(String canonical) {
    if (canonical == null || canonical.equals(HEALTHY)) return false;
    String c = shipped().category(canonical);
    return c == null || c.equals(CANCER);
  }

  /**
   * The groups of a samples table that are neither healthy nor cancer, by the category each sample was ingested
   * with ({@code samples.category}, so a site's {@code --cancer-types} overlay counts); rows without a category
   * (written before categories existed) use the shipped table. One small aggregation (groups x categories).
   */
  public static TreeSet<String> nonCancerGroups(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> samples) {
    if (!java.util.Arrays.asList(samples.columns()).contains("category")) return nonCancerGroups();
    List<String[]> pairs = new ArrayList<>();
    for (org.apache.spark.sql.Row r : samples.select("cancer_type", "category").distinct().collectAsList()) {
      pairs.add(new String[] {r.getString(0), r.isNullAt(1) ? null : r.getString(1)});
    }
    return nonCancerGroups(pairs);
  }

  /**
   * {@link #nonCancerGroups(org.apache.spark.sql.Dataset)} from (cancer_type, category) pairs the caller already
   * has on the driver (a category of null: the shipped table's).
   */
  public static TreeSet<String> nonCancerGroups(Iterable<String[]> groupAndCategory) {
    TreeSet<String> shippedNon = nonCancerGroups();
    TreeSet<String> out = new TreeSet<>();
    for (String[] r : groupAndCategory) {
      String g = r[0];
      String c = r[1];
      if (g == null || g.equals(HEALTHY)) continue;
      if (c == null ? shippedNon.contains(g) : !c.equals(CANCER) && !c.equals(HEALTHY)) out.add(g);
    }
    return out;
  }

  /** The groups of the shipped table that are neither healthy nor cancer (benign, premalignant). */
  public static TreeSet<String> nonCancerGroups() {
    TreeSet<String> out = new TreeSet<>();
    CancerTypes t = shipped();
    for (String c : t.canonicals) if (!t.category(c).equals(HEALTHY) && !t.category(c).equals(CANCER)) out.add(c);
    return out;
  }
}
