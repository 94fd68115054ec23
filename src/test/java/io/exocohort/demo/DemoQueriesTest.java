package io.exocohort.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's example queries: read from the .sql resource, the database named by --database. */
class DemoQueriesTest {
  @Test
  void everyQueryNamesTheGivenDatabaseAndNoOther() {
    List<DemoQueries.Query> qs = DemoQueries.load("study_db");
    assertEquals(9, qs.size());
    assertEquals("Samples per cohort and cancer type", qs.get(0).title());
    assertTrue(qs.get(0).sql().startsWith("SELECT cohort, cancer_type, count(*) AS samples"), qs.get(0).sql());
    assertTrue(qs.get(0).sql().contains("FROM study_db.samples"), qs.get(0).sql());
    assertEquals("Ingest runs", qs.get(8).title());
    for (DemoQueries.Query q : qs) {
      assertTrue(q.sql().contains(" study_db."), q.title());
      assertFalse(q.sql().contains("exocohort.") || q.sql().contains("${"), q.sql());
      assertFalse(q.sql().endsWith(";"), q.sql());
    }
  }

  @Test
  void aQueryWithoutATitleIsRefusedWithItsLine() {
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> DemoQueries.parse("-- a\nSELECT 1;\n\nSELECT 2;\n", "db"));
    assertTrue(e.getMessage().endsWith(":4: a query without a title"), e.getMessage());
  }
}
