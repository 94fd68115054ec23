package io.exocohort.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's example queries, an analyst's starting points, kept as SQL in the resource {@value #RESOURCE}: each
 * is a {@code -- title} line and one statement ending in {@code ;}, with {@code ${database}} where the catalog
 * database goes, replaced by the one the demo runs with ({@code --database}).
 */
public final class DemoQueries {
  /** The packed queries. */
  public static final String RESOURCE = "/exocohort/demo_queries.sql";
  /** Where the database name goes in the queries. */
  public static final String DATABASE = "${database}";

  /** One example: its title and the statement (no trailing {@code ;}). */
  public record Query(String title, String sql) {}

  private DemoQueries() {}

  /** The queries, in file order, with {@code database} in place of {@value #DATABASE}. */
  public static List<Query> load(String database) {
    String text;
    try (InputStream in = DemoQueries.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException(RESOURCE + " is not on the classpath");
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return parse(text, database);
  }

  /** Parses the query file: a {@code -- } line right before a statement is its title; statements end in ';'. */
  static List<Query> parse(String text, String database) {
    List<Query> out = new ArrayList<>();
    String title = null;
    StringBuilder sql = new StringBuilder();
    int line = 0;
    for (String s : text.split("\n", -1)) {
      line++;
      if (sql.length() == 0) {
        if (s.isBlank()) {
          title = null;
        } else if (s.startsWith("--")) {
          title = s.substring(2).strip();
        } else {
          if (title == null) throw new IllegalStateException(RESOURCE + ":" + line + ": a query without a title");
          sql.append(s);
        }
      } else {
        sql.append('\n').append(s);
      }
      if (sql.length() > 0 && s.stripTrailing().endsWith(";")) {
        String q = sql.toString().strip();
        out.add(new Query(title, q.substring(0, q.length() - 1).replace(DATABASE, database)));
        sql.setLength(0);
        title = null;
      }
    }
    if (sql.length() > 0) throw new IllegalStateException(RESOURCE + ": the last query does not end in ';'");
    return out;
  }
}
