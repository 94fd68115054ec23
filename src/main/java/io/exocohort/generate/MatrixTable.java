package io.exocohort.generate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A samples x features measurement table (miRNA counts or protein intensities), written sample by sample in
 * sample order, in either layout:
 * <ul>
 *   <li>long: {@code sample_id, feature, value}, one row per sample and feature, streamed (bounded memory);</li>
 *   <li>wide: {@code feature, <sample_id>...}, one row per feature. Samples arrive one at a time, so they are
 *       spilled in segments of {@link #SEGMENT_SAMPLES} samples to binary temporary files next to the output,
 *       feature-major, and merged row by row at the end: memory holds one segment, whatever the cohort size.</li>
 * </ul>
 * Values are integer counts ({@link Column.Type#INT}) or intensities with missing as NaN
 * ({@link Column.Type#DECIMAL1}).
 */
abstract class MatrixTable implements Closeable {
  /** Samples per wide-layout segment: 2,048 x 2,600 values = 21 MB of ints. */
  static final int SEGMENT_SAMPLES = 2048;

  final String[] features;
  final byte[][] featureBytes;
  final Column.Type valueType;
  /** close() is idempotent: the job closes explicitly to log the row counts, try-with-resources again. */
  boolean closed;

  MatrixTable(String[] features, Column.Type valueType) {
    this.features = features;
    this.valueType = valueType;
    this.featureBytes = new byte[features.length][];
    for (int i = 0; i < features.length; i++) featureBytes[i] = features[i].getBytes(StandardCharsets.UTF_8);
  }

  static MatrixTable open(GenerateArgs.Format format, GenerateArgs.Layout layout, boolean gzip, Path file,
      String[] features, Column.Type valueType, List<String> sampleIds) {
    return layout == GenerateArgs.Layout.LONG ? new LongLayout(format, gzip, file, features, valueType)
        : new WideLayout(format, gzip, file, features, valueType, sampleIds);
  }

  abstract void addCounts(byte[] sampleId, int[] counts);

  abstract void addValues(byte[] sampleId, double[] values);

  /** Rows written (long: samples x features; wide: features). */
  abstract long rows();

  /** The long layout: streams each sample's rows. */
  static final class LongLayout extends MatrixTable {
    private final RowSink sink;

    LongLayout(GenerateArgs.Format format, boolean gzip, Path file, String[] features, Column.Type valueType) {
      super(features, valueType);
      this.sink = RowSink.open(format, gzip, file, List.of(Column.required("sample_id", Column.Type.STRING),
          Column.required("feature", Column.Type.STRING),
          new Column("value", valueType, valueType != Column.Type.INT)));
    }

    @Override
    void addCounts(byte[] sampleId, int[] counts) {
      for (int f = 0; f < counts.length; f++) {
        sink.str(sampleId);
        sink.str(featureBytes[f]);
        sink.i32(counts[f]);
        sink.endRow();
      }
    }

    @Override
    void addValues(byte[] sampleId, double[] values) {
      for (int f = 0; f < values.length; f++) {
        sink.str(sampleId);
        sink.str(featureBytes[f]);
        sink.dbl(values[f]);
        sink.endRow();
      }
    }

    @Override
    long rows() {
      return sink.rows();
    }

    @Override
    public void close() throws IOException {
      if (closed) return;
      closed = true;
      sink.close();
    }
  }

  /** The wide layout: spills feature-major segments, merges them into one row per feature on close. */
  static final class WideLayout extends MatrixTable {
    private final GenerateArgs.Format format;
    private final boolean gzip;
    private final Path file;
    private final List<String> sampleIds;
    private final List<Path> segments = new ArrayList<>();
    private final List<Integer> segmentSizes = new ArrayList<>();
    private final List<int[]> pendingCounts = new ArrayList<>();
    private final List<double[]> pendingValues = new ArrayList<>();
    private long rows;
    private int added;

    WideLayout(GenerateArgs.Format format, boolean gzip, Path file, String[] features, Column.Type valueType,
        List<String> sampleIds) {
      super(features, valueType);
      this.format = format;
      this.gzip = gzip;
      this.file = file;
      this.sampleIds = sampleIds;
    }

    @Override
    void addCounts(byte[] sampleId, int[] counts) {
      checkOrder(sampleId);
      pendingCounts.add(counts);
      if (pendingCounts.size() == SEGMENT_SAMPLES) spill();
    }

    @Override
    void addValues(byte[] sampleId, double[] values) {
      checkOrder(sampleId);
      pendingValues.add(values);
      if (pendingValues.size() == SEGMENT_SAMPLES) spill();
    }

    private void checkOrder(byte[] sampleId) {
      String expected = sampleIds.get(added++);
      if (!expected.equals(new String(sampleId, StandardCharsets.UTF_8))) {
        throw new IllegalStateException("wide table expects sample " + expected + " next");
      }
    }

    private void spill() {
      int n = Math.max(pendingCounts.size(), pendingValues.size());
      if (n == 0) return;
      Path seg = file.resolveSibling("." + file.getFileName() + ".seg" + String.format(Locale.ROOT, "%05d", segments.size())
          + ".tmp");
      segments.add(seg);
      segmentSizes.add(n);
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(seg),
          1 << 20))) {
        for (int f = 0; f < features.length; f++) {
          if (valueType == Column.Type.INT) {
            for (int[] c : pendingCounts) out.writeInt(c[f]);
          } else {
            for (double[] v : pendingValues) out.writeDouble(v[f]);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write temporary segment " + seg + ": " + e.getMessage(), e);
      }
      pendingCounts.clear();
      pendingValues.clear();
    }

    @Override
    long rows() {
      return rows;
    }

    @Override
    public void close() throws IOException {
      if (closed) return;
      closed = true;
      try {
        spill();
        if (added != sampleIds.size()) {
          throw new IllegalStateException("wide table got " + added + " of " + sampleIds.size() + " samples");
        }
        List<Column> cols = new ArrayList<>(sampleIds.size() + 1);
        cols.add(Column.required("feature", Column.Type.STRING));
        for (String id : sampleIds) cols.add(new Column(id, valueType, valueType != Column.Type.INT));
        List<DataInputStream> ins = new ArrayList<>();
        try (RowSink sink = RowSink.open(format, gzip, file, cols)) {
          for (Path seg : segments) {
            ins.add(new DataInputStream(new BufferedInputStream(Files.newInputStream(seg), 1 << 16)));
          }
          for (int f = 0; f < features.length; f++) {
            sink.str(featureBytes[f]);
            for (int s = 0; s < segments.size(); s++) {
              DataInputStream in = ins.get(s);
              int n = segmentSizes.get(s);
              if (valueType == Column.Type.INT) {
                for (int k = 0; k < n; k++) sink.i32(in.readInt());
              } else {
                for (int k = 0; k < n; k++) sink.dbl(in.readDouble());
              }
            }
            sink.endRow();
          }
          rows = sink.rows();
        } finally {
          for (DataInputStream in : ins) in.close();
        }
      } finally {
        for (Path seg : segments) Files.deleteIfExists(seg);
      }
    }
  }
}
