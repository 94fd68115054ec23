package io.exocohort.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one line of a delimited file into fields: RFC 4180 quoting ("a,b" and "" for a quote inside quotes),
 * surrounding white space trimmed. Quoted fields may not span lines (count matrices and manifests never need
 * it); an unterminated quote is reported as a problem of that line.
 */
public final class LineSplitter {
  private LineSplitter() {}

  /** Thrown for a line that cannot be split (unterminated quote). */
  public static final class SplitException extends Exception {
    public SplitException(String message) {
      super(message, null, false, false);
    }
  }

  public static String[] split(String line, char delim) throws SplitException {
    if (line.indexOf('"') < 0) return fastSplit(line, delim);
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      // skip leading blanks of a field
      while (i < n && line.charAt(i) == ' ' && delim != ' ') i++;
      if (i < n && line.charAt(i) == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              cur.append('"');
              i += 2;
            } else {
              i++;
              closed = true;
              break;
            }
          } else {
            cur.append(c);
            i++;
          }
        }
        if (!closed) throw new SplitException("unterminated quote");
        while (i < n && line.charAt(i) != delim) {
          if (!Character.isWhitespace(line.charAt(i))) throw new SplitException("text after a closing quote");
          i++;
        }
      } else {
        int start = i;
        while (i < n && line.charAt(i) != delim) i++;
        cur.append(line, start, i);
      }
      out.add(cur.toString().strip());
      cur.setLength(0);
      if (i >= n) break;
      i++; // the delimiter
      if (i == n) {
        out.add("");
        break;
      }
    }
    return out.toArray(new String[0]);
  }

  private static String[] fastSplit(String line, char delim) {
    int count = 1;
    for (int i = 0; i < line.length(); i++) if (line.charAt(i) == delim) count++;
    String[] out = new String[count];
    int start = 0;
    int k = 0;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == delim) {
        out[k++] = line.substring(start, i).strip();
        start = i + 1;
      }
    }
    out[k] = line.substring(start).strip();
    return out;
  }

  /** The delimiter of a header line: the most frequent of tab, comma, semicolon outside quotes (tab wins ties). */
  public static char detectDelimiter(String header) {
    int tabs = 0;
    int commas = 0;
    int semis = 0;
    boolean quoted = false;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == '"') quoted = !quoted;
      else if (!quoted) {
        if (c == '\t') tabs++;
        else if (c == ',') commas++;
        else if (c == ';') semis++;
      }
    }
    if (tabs >= commas && tabs >= semis && tabs > 0) return '\t';
    if (commas >= semis && commas > 0) return ',';
    if (semis > 0) return ';';
    return '\t';
  }
}
