package io.exocohort.ingest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Duplicate (sample, feature) detection for long files without a shuffle. A partition is summarised as its
 * runs ("blocks") of consecutive rows with the same sample id: duplicates inside a block are found with a hash
 * map there; the driver then checks that no sample has two blocks (apart from one block split across a
 * partition boundary, whose two halves it compares). The summary holds one entry per block plus the features
 * of the first and last block of the partition: per-sample and per-feature sizes, never cohort x features.
 */
final class BlockScan {
  private BlockScan() {}

  static final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
    /** Sample id of each block, in order. */
    final List<String> blocks = new ArrayList<>();
    /** feature -&gt; [first index, count] of the first and last block (the ones a boundary may split). */
    Map<String, long[]> firstBlock = new HashMap<>();
    Map<String, long[]> lastBlock;
    /** Duplicates found inside interior blocks (edge blocks are compared on the driver): "sample\0feature" -&gt; [first index, count]. */
    final Map<String, long[]> duplicates = new LinkedHashMap<>();
  }

  static Summary summarise(int partition, Iterator<Records.Record> it, CountParser parser) {
    Summary s = new Summary();
    s.partition = partition;
    String current = null;
    Map<String, long[]> features = new HashMap<>();
    while (it.hasNext()) {
      Records.Record r = it.next();
      String[] k = parser.longKey(r);
      if (k == null) continue;
      if (!k[0].equals(current)) {
        if (current != null) close(s, current, features);
        current = k[0];
        s.blocks.add(current);
        features = new HashMap<>();
      }
      long[] seen = features.get(k[1]);
      if (seen == null) features.put(k[1], new long[] {r.index, 1});
      else seen[1]++;
    }
    if (current != null) close(s, current, features);
    return s;
  }

  private static void close(Summary s, String sample, Map<String, long[]> features) {
    if (s.blocks.size() == 1) s.firstBlock = features;
    // The block before this one is now known to be interior (neither first nor last): record its duplicates.
    if (s.lastBlock != null && s.lastBlock != s.firstBlock) {
      String prev = s.blocks.get(s.blocks.size() - 2);
      for (Map.Entry<String, long[]> e : s.lastBlock.entrySet()) {
        if (e.getValue()[1] > 1) s.duplicates.put(prev + '\u0000' + e.getKey(), e.getValue().clone());
      }
    }
    s.lastBlock = features;
  }

  static String reason(long n, long firstLine) {
    return "duplicate (sample_id, feature): " + n + " rows, the first on line " + firstLine;
  }

  /**
   * Duplicate keys with their reasons, or null if some sample's rows are not contiguous (then the caller must
   * use the general check). Stops collecting past {@code max} keys.
   */
  static Map<String, String> duplicates(List<Summary> parts, long[] prefix, int max) {
    parts = new ArrayList<>(parts);
    parts.sort((a, b) -> Integer.compare(a.partition, b.partition));
    Map<String, long[]> dups = new LinkedHashMap<>(); // key -> [first line, count]
    Set<String> samplesSeen = new HashSet<>();
    String openSample = null;
    Map<String, long[]> open = null; // feature -> [first line, count] of the block still open at an edge
    for (Summary s : parts) {
      long base = prefix[s.partition] + 1;
      for (Map.Entry<String, long[]> d : s.duplicates.entrySet()) {
        dups.put(d.getKey(), new long[] {base + d.getValue()[0], d.getValue()[1]});
      }
      int n = s.blocks.size();
      for (int i = 0; i < n; i++) {
        String sample = s.blocks.get(i);
        boolean edge = i == 0 || i == n - 1;
        Map<String, long[]> map = i == 0 ? s.firstBlock : i == n - 1 ? s.lastBlock : null;
        if (i == 0 && open != null && sample.equals(openSample)) {
          for (Map.Entry<String, long[]> e : map.entrySet()) {
            long[] o = open.get(e.getKey());
            if (o == null) open.put(e.getKey(), new long[] {base + e.getValue()[0], e.getValue()[1]});
            else o[1] += e.getValue()[1];
          }
          if (n > 1) {
            finish(openSample, open, dups);
            open = null;
          }
          continue;
        }
        if (open != null) {
          finish(openSample, open, dups);
          open = null;
        }
        if (!samplesSeen.add(sample)) return null;
        if (edge) {
          open = new HashMap<>();
          for (Map.Entry<String, long[]> e : map.entrySet()) {
            open.put(e.getKey(), new long[] {base + e.getValue()[0], e.getValue()[1]});
          }
          openSample = sample;
          if (i == 0 && n > 1) {
            finish(openSample, open, dups);
            open = null;
          }
        }
      }
      if (dups.size() > max) break;
    }
    if (open != null) finish(openSample, open, dups);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> d : dups.entrySet()) out.put(d.getKey(), reason(d.getValue()[1], d.getValue()[0]));
    return out;
  }

  private static void finish(String sample, Map<String, long[]> block, Map<String, long[]> dups) {
    for (Map.Entry<String, long[]> e : block.entrySet()) {
      if (e.getValue()[1] > 1) dups.put(sample + '\u0000' + e.getKey(), e.getValue());
    }
  }
}
