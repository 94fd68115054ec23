package io.exocohort.common;

/**
 * Input that a user can fix: a bad file, a bad value, a bad option. The runner prints {@link #getMessage()} as
 * one line and exits with {@link ExitCodes#BAD_INPUT}. The location fields, when known, name where the problem is.
 */
public class BadInputException extends RuntimeException {
  private final String file;
  private final long line;
  private final String column;

  public BadInputException(String message) {
    this(null, -1, null, message, null);
  }

  public BadInputException(String file, long line, String column, String message) {
    this(file, line, column, message, null);
  }

  public BadInputException(String file, long line, String column, String message, Throwable cause) {
    super(format(file, line, column, message), cause);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** "file:line: column 'c': message", leaving out the parts that are not known. */
  public static String format(String file, long line, String column, String message) {
    StringBuilder sb = new StringBuilder();
    if (file != null) {
      sb.append(file);
      if (line >= 0) sb.append(':').append(line);
      sb.append(": ");
    }
    if (column != null) sb.append("column '").append(column).append("': ");
    return sb.append(message).toString();
  }

  public String file() { return file; }
  public long line() { return line; }
  public String column() { return column; }
}
