package io.exocohort.generate;

/** A column of an output table: its name, value type and whether it may be missing. */
record Column(String name, Type type, boolean nullable) {
  /** Value types; text files format them as noted, Parquet stores the same rounded values. */
  enum Type {
    /** UTF-8 text. */
    STRING,
    /** 32-bit integer, plain digits. */
    INT,
    /** ISO date yyyy-MM-dd (Parquet DATE). */
    DATE,
    /** Non-negative double, fixed one decimal (123456.7). */
    DECIMAL1,
    /** Double, fixed four decimals (-1.2345). */
    DECIMAL4,
    /** Positive double, three significant digits in E notation (4.21E9). */
    SCI3
  }

  static Column required(String name, Type type) {
    return new Column(name, type, false);
  }

  static Column optional(String name, Type type) {
    return new Column(name, type, true);
  }
}
