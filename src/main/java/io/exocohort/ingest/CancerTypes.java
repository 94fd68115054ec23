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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The cancer-type alias table ({@code conf/cancer_types.tsv}, also packed in the jar as
 * {@code exocohort/cancer_types.tsv}): maps the names found in manifests ("Pancreatic Cancer", "PDAC") to one
 * canonical name ("pancreatic"). Unknown names are rejected.
 */
public final class CancerTypes implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String HEALTHY = "healthy";
  private static final String RESOURCE = "exocohort/cancer_types.tsv";

  private final Map<String, String> aliases;

  private CancerTypes(Map<String, String> aliases) {
    this.aliases = aliases;
  }

  /** Loads the file if given and present, else the copy in the jar. */
  public static CancerTypes load(String file) {
    if (file != null && !file.isBlank() && Files.isRegularFile(Path.of(file))) {
      try (InputStream in = Files.newInputStream(Path.of(file))) {
        return parse(in, file);
      } catch (IOException e) {
        throw new BadInputException(file, -1, null, "cannot read alias table: " + e.getMessage());
      }
    }
    try (InputStream in = CancerTypes.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
      return parse(in, RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static CancerTypes parse(InputStream in, String name) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    long no = 0;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] f = line.split("\t");
      if (f.length != 2 || f[1].isBlank()) {
        throw new BadInputException(name, no, null, "alias table rows are 'alias<TAB>canonical'");
      }
      m.put(key(f[0]), f[1].strip());
    }
    return new CancerTypes(m);
  }

  static String key(String s) {
    return s.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]+", " ");
  }

  /** The canonical name, or null if the name is unknown. */
  public String canonical(String name) {
    return name == null ? null : aliases.get(key(name));
  }

  public TreeSet<String> canonicalNames() {
    return new TreeSet<>(aliases.values());
  }
}
