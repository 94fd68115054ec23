package io.exocohort.qc;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_element_at;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * How the protein QC rules recognise a marker or contaminant whatever the protein table calls it: by HGNC symbol,
 * UniProt accession (with or without an isoform suffix), FASTA-style id ({@code sp|P21926|CD9_HUMAN}) or entry
 * name ({@code CD9_HUMAN}), alone or in a protein group separated by {@code ;}. The identifiers come from the
 * packed table {@value #RESOURCE} (symbol, accession, entry name, role, source).
 *
 * <p>A feature name, already trimmed of spaces and upper-cased (the QC "symbol"), is split at {@code ;} into
 * members; each member is trimmed, a FASTA-style id is reduced to its accession, an isoform suffix is dropped from
 * an accession, and an accession or entry name of the table is replaced by its symbol. A feature is a marker when
 * any of its members is. {@link #members(String)} (plain Java, the QC pass) and {@link #members(Column)}
 * (built-in Spark functions, for queries) compute the same, with the same regular
 * expressions (Spark's regexp_replace is Java's {@link Pattern}).
 */
public final class ProteinMarkers implements Serializable {
  /** The packed identifier table. */
  public static final String RESOURCE = "exocohort/qc_protein_ids.tsv";
  private static final List<String> HEADER = List.of("symbol", "accession", "entry_name", "role", "source");

  /** {@code SP|ACC|NAME...} (upper-cased): the accession. */
  static final String FASTA = "^(?:SP|TR)\\|([^|]*)\\|.*$";
  /** A UniProt accession (the format UniProt documents) followed by an isoform number. */
  static final String ISOFORM =
      "^([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})-[0-9]+$";
  private static final Pattern FASTA_P = Pattern.compile(FASTA);
  private static final Pattern ISOFORM_P = Pattern.compile(ISOFORM);

  private static volatile ProteinMarkers shipped;

  /** Accession or entry name (upper case) -> symbol. */
  private final TreeMap<String, String> aliases;

  ProteinMarkers(Map<String, String> aliases) {
    this.aliases = new TreeMap<>(aliases);
  }

  /** The packed table, read once. */
  public static ProteinMarkers shipped() {
    ProteinMarkers m = shipped;
    if (m == null) {
      m = read();
      shipped = m;
    }
    return m;
  }

  private static ProteinMarkers read() {
    Map<String, String> aliases = new TreeMap<>();
    try (InputStream in = ProteinMarkers.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      boolean header = false;
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank() || line.startsWith("#")) continue;
        List<String> f = List.of(line.split("\t", -1));
        if (!header) {
          if (!f.equals(HEADER)) {
            throw new IllegalStateException(RESOURCE + " line " + n + ": header must be " + HEADER);
          }
          header = true;
          continue;
        }
        if (f.size() != HEADER.size() || f.get(0).isBlank() || f.get(1).isBlank()) {
          throw new IllegalStateException(RESOURCE + " line " + n + ": expected " + HEADER.size() + " columns");
        }
        String symbol = f.get(0).strip().toUpperCase(Locale.ROOT);
        aliases.put(f.get(1).strip().toUpperCase(Locale.ROOT), symbol);
        if (!f.get(2).isBlank()) aliases.put(f.get(2).strip().toUpperCase(Locale.ROOT), symbol);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + RESOURCE, e);
    }
    return new ProteinMarkers(aliases);
  }

  /** Accession or entry name -> symbol, as read. */
  public Map<String, String> aliases() {
    return java.util.Collections.unmodifiableMap(aliases);
  }

  /** One member of a feature (trimmed, upper case) as a symbol when the table knows it, else as reduced. */
  public String canonical(String member) {
    String m = FASTA_P.matcher(member).replaceAll("$1");
    m = ISOFORM_P.matcher(m).replaceAll("$1");
    String s = aliases.get(m);
    return s == null ? m : s;
  }

  /** The canonical members of a QC symbol (upper(trim(feature))), distinct, in order. */
  public List<String> members(String symbol) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String m : symbol.split(";", -1)) out.add(canonical(trimSpaces(m)));
    return new ArrayList<>(out);
  }

  /** {@link #members(String)} as a Spark expression over a QC symbol column (array of strings). */
  public Column members(Column symbol) {
    List<Column> kv = new ArrayList<>();
    for (Map.Entry<String, String> e : aliases.entrySet()) {
      kv.add(lit(e.getKey()));
      kv.add(lit(e.getValue()));
    }
    Column map = org.apache.spark.sql.functions.map(kv.toArray(new Column[0]));
    return array_distinct(transform(split(symbol, ";", -1), m -> {
      Column x = regexp_replace(regexp_replace(trim(m), FASTA, "$1"), ISOFORM, "$1");
      return coalesce(try_element_at(map, x), x);
    }));
  }

  /** Configured names (symbols or identifiers, upper case) as canonical symbols, distinct, in order. */
  public List<String> canonicalAll(Collection<String> names) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String n : names) out.addAll(members(n));
    return new ArrayList<>(out);
  }

  /** Spark's trim(): spaces (U+0020) only. */
  static String trimSpaces(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && s.charAt(b) == ' ') b++;
    while (e > b && s.charAt(e - 1) == ' ') e--;
    return s.substring(b, e);
  }
}
