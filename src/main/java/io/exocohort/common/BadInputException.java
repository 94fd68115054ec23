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
    if (column != null) sb.append("column '").append(clip(column, 60)).append("': ");
    return sb.append(clip(message, 2000)).toString();
  }

  /**
   * Text from a hostile file, made fit for one line of an error: line breaks and other control or invisible
   * format characters (NUL, a right-to-left override) escaped as {@code \\uXXXX}, and anything longer than
   * {@code max} characters cut, saying how long it was.
   */
  public static String clip(String s, int max) {
    if (s == null) return null;
    StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 32);
    int i = 0;
    for (; i < s.length() && sb.length() < max; i++) {
      char c = s.charAt(i);
      int type = Character.getType(c);
      if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        sb.append(String.format("\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (i < s.length()) sb.append("... (").append(s.length()).append(" characters)");
    return sb.toString();
  }

  public String file() { return file; }
  public long line() { return line; }
  public String column() { return column; }
}
