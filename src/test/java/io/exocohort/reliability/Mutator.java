package io.exocohort.reliability;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a valid input file, the hostile deliveries a lab actually sends: truncation, byte flips,
 * random delimiters and quotes, huge fields, wrong encodings, byte-order marks, CRLF line ends, duplicated
 * headers, billions-sized and out-of-range numbers, scientific notation, unicode sample ids. Each case applies
 * one to three of them; {@link #describe} names what was done (for the failure report).
 */
final class Mutator {
  static final String[] KINDS = {"truncate", "flip", "delimiter", "quote", "huge", "latin1", "utf16", "bom", "crlf",
      "dupheader", "bignum", "scientific", "unicode", "blankline", "emptyfield", "nul"};

  private final Random rnd;
  final List<String> applied = new ArrayList<>();

  Mutator(long seed) {
    this.rnd = new Random(seed);
  }

  String describe() {
    return String.join("+", applied);
  }

  byte[] mutate(String text) {
    int n = 1 + rnd.nextInt(3);
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) out = apply(KINDS[rnd.nextInt(KINDS.length)], out);
    return out;
  }

  private byte[] apply(String kind, byte[] in) {
    applied.add(kind);
    String s = new String(in, StandardCharsets.UTF_8);
    switch (kind) {
      case "truncate":
        return java.util.Arrays.copyOf(in, rnd.nextInt(Math.max(1, in.length)));
      case "flip": {
        byte[] b = in.clone();
        int k = 1 + rnd.nextInt(8);
        for (int i = 0; i < k && b.length > 0; i++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        return b;
      }
      case "delimiter":
        return insertAtRandom(s, new String[] {",", "\t", ";", "|", ",,", "\t\t"}[rnd.nextInt(6)], 1 + rnd.nextInt(5));
      case "quote":
        return insertAtRandom(s, new String[] {"\"", "'", "\"\"", "\"x,y\""}[rnd.nextInt(4)], 1 + rnd.nextInt(4));
      case "huge": {
        int len = 10_000 + rnd.nextInt(2_000_000);
        String big = (rnd.nextBoolean() ? "9" : "x").repeat(len);
        return replaceField(s, big);
      }
      case "latin1":
        return new String(replaceField(s, "échantillon-é"), StandardCharsets.UTF_8)
            .getBytes(StandardCharsets.ISO_8859_1);
      case "utf16":
        return s.getBytes(rnd.nextBoolean() ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16);
      case "bom":
        return concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, in);
      case "crlf":
        return s.replace("\n", rnd.nextBoolean() ? "\r\n" : "\r").getBytes(StandardCharsets.UTF_8);
      case "dupheader": {
        int nl = s.indexOf('\n');
        if (nl < 0) return in;
        String header = s.substring(0, nl);
        if (rnd.nextBoolean()) {
          // the header line again somewhere in the data
          List<Integer> lines = lineStarts(s);
          int at = lines.get(rnd.nextInt(lines.size()));
          return (s.substring(0, at) + header + "\n" + s.substring(at)).getBytes(StandardCharsets.UTF_8);
        }
        String delim = header.contains("\t") ? "\t" : ",";
        String[] cols = header.split(delim, -1);
        String dup = cols[rnd.nextInt(cols.length)];
        return (header + delim + dup + s.substring(nl)).getBytes(StandardCharsets.UTF_8);
      }
      case "bignum":
        return replaceField(s, new String[] {"99999999999999999999", "9223372036854775808", "1e309", "-1e309",
            "4294967296", "1000000000000", "1.7976931348623157E308", "-0", "NaN", "Infinity", "0x1F",
            "1_000"}[rnd.nextInt(12)]);
      case "scientific":
        return replaceField(s, new String[] {"1.5e3", "2E+02", "3e-4", "1e2", ".5e1", "5.", "1e", "e5"}[rnd.nextInt(8)]);
      case "unicode":
        return replaceField(s, new String[] {"サンプル1", "S\u0301ample", "\uD83E\uDDEA-01", "\u202Eevil",
            "Ｓ０１", "s\u00a001", "\u0000x", "İstanbul"}[rnd.nextInt(8)]);
      case "blankline":
        return insertAtRandom(s, "\n", 1 + rnd.nextInt(3));
      case "emptyfield":
        return replaceField(s, "");
      case "nul":
        return insertAtRandom(s, "\u0000", 1);
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  private byte[] insertAtRandom(String s, String what, int times) {
    StringBuilder sb = new StringBuilder(s);
    for (int i = 0; i < times; i++) sb.insert(rnd.nextInt(sb.length() + 1), what);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Replaces one field (between delimiters) of a random line, the header included. */
  private byte[] replaceField(String s, String with) {
    List<Integer> starts = lineStarts(s);
    int line = rnd.nextInt(starts.size());
    int from = starts.get(line);
    int to = s.indexOf('\n', from);
    if (to < 0) to = s.length();
    String l = s.substring(from, to);
    String delim = l.contains("\t") ? "\t" : ",";
    String[] f = l.split(delim, -1);
    f[rnd.nextInt(f.length)] = with;
    return (s.substring(0, from) + String.join(delim, f) + s.substring(to)).getBytes(StandardCharsets.UTF_8);
  }

  private static List<Integer> lineStarts(String s) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < s.length() - 1; i++) if (s.charAt(i) == '\n') starts.add(i + 1);
    return starts;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
