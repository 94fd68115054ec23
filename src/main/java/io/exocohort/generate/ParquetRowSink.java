package io.exocohort.generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * A Parquet table written with parquet-hadoop's {@link ParquetWriter} directly (no SparkSession, no Hadoop file
 * system: a {@link LocalOutputFile}, so no .crc side files). Types: STRING as UTF-8 binary, INT as int32, DATE as
 * int32 DATE, the double types as double (rounded as the text formats round them); nullable columns optional.
 * Snappy compression, dictionary encoding; the file carries no timestamp, so output is byte-identical between
 * runs.
 */
final class ParquetRowSink implements RowSink {
  private final List<Column> columns;
  private final MessageType schema;
  private final ParquetWriter<ParquetRowSink> writer;
  // The current row, column by column.
  private final Object[] refs;
  private final long[] longs;
  private final double[] doubles;
  private final boolean[] present;
  private int col;
  private long rows;

  ParquetRowSink(Path file, List<Column> columns) throws IOException {
    this.columns = columns;
    List<Type> fields = new ArrayList<>();
    for (Column c : columns) {
      Types.PrimitiveBuilder<org.apache.parquet.schema.PrimitiveType> b = switch (c.type()) {
        case STRING -> Types.primitive(PrimitiveTypeName.BINARY, repetition(c))
            .as(LogicalTypeAnnotation.stringType());
        case INT -> Types.primitive(PrimitiveTypeName.INT32, repetition(c));
        case DATE -> Types.primitive(PrimitiveTypeName.INT32, repetition(c)).as(LogicalTypeAnnotation.dateType());
        case DECIMAL1, DECIMAL4, SCI3 -> Types.primitive(PrimitiveTypeName.DOUBLE, repetition(c));
      };
      fields.add(b.named(c.name()));
    }
    this.schema = new MessageType("row", fields);
    int n = columns.size();
    refs = new Object[n];
    longs = new long[n];
    doubles = new double[n];
    present = new boolean[n];
    Configuration conf = new Configuration(false);
    this.writer = new Builder(new LocalOutputFile(file), schema)
        .withConf(conf)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withDictionaryEncoding(true)
        .withRowGroupSize(64L * 1024 * 1024)
        .withPageSize(1024 * 1024)
        .build();
  }

  private static Type.Repetition repetition(Column c) {
    return c.nullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
  }

  @Override
  public void str(String value) {
    int c = col++;
    present[c] = value != null && !(value.isEmpty() && columns.get(c).nullable());
    refs[c] = present[c] ? Binary.fromString(value) : null;
  }

  @Override
  public void str(byte[] utf8) {
    int c = col++;
    present[c] = true;
    refs[c] = Binary.fromConstantByteArray(utf8);
  }

  @Override
  public void i32(int value) {
    int c = col++;
    present[c] = true;
    longs[c] = value;
  }

  @Override
  public void date(LocalDate value) {
    int c = col++;
    present[c] = value != null;
    if (value != null) longs[c] = value.toEpochDay();
  }

  @Override
  public void dbl(double value) {
    int c = col++;
    present[c] = !Double.isNaN(value);
    doubles[c] = switch (columns.get(c).type()) {
      case DECIMAL1 -> Math.round(value * 10) / 10.0;
      case DECIMAL4 -> Math.round(value * 1e4) / 1e4;
      case SCI3 -> Double.parseDouble(TextRowSink.sci3(value));
      default -> value;
    };
  }

  @Override
  public void endRow() {
    if (col != columns.size()) {
      throw new IllegalStateException("row has " + col + " values, table has " + columns.size() + " columns");
    }
    for (int c = 0; c < columns.size(); c++) {
      if (!present[c] && !columns.get(c).nullable()) {
        throw new IllegalStateException("missing value in required column " + columns.get(c).name());
      }
    }
    try {
      writer.write(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    col = 0;
    rows++;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }

  /** Writes the current row through the record consumer. */
  private void writeTo(RecordConsumer rc) {
    rc.startMessage();
    for (int c = 0; c < columns.size(); c++) {
      if (!present[c]) continue;
      String name = columns.get(c).name();
      rc.startField(name, c);
      switch (columns.get(c).type()) {
        case STRING -> rc.addBinary((Binary) refs[c]);
        case INT, DATE -> rc.addInteger((int) longs[c]);
        default -> rc.addDouble(doubles[c]);
      }
      rc.endField(name, c);
    }
    rc.endMessage();
  }

  private static final class Builder extends ParquetWriter.Builder<ParquetRowSink, Builder> {
    private final MessageType schema;

    Builder(LocalOutputFile file, MessageType schema) {
      super(file);
      this.schema = schema;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<ParquetRowSink> getWriteSupport(Configuration conf) {
      return new WriteSupport<>() {
        private RecordConsumer consumer;

        @Override
        public WriteContext init(Configuration configuration) {
          Map<String, String> meta = new HashMap<>();
          meta.put("exocohort.writer", "io.exocohort.generate");
          return new WriteContext(schema, meta);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
          this.consumer = recordConsumer;
        }

        @Override
        public void write(ParquetRowSink row) {
          row.writeTo(consumer);
        }
      };
    }
  }
}
