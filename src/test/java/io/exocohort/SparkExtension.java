package io.exocohort;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Registered once for the whole run (META-INF/services + junit-platform.properties): any test method or
 * constructor that takes a {@link SparkSession} parameter gets the run's shared session. After each class, what
 * the class cached in the session is dropped ({@link SparkTestSession#release}).
 */
public final class SparkExtension implements ParameterResolver, AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext c) {
    if (c.getParent().flatMap(ExtensionContext::getParent).isEmpty()) SparkTestSession.release();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    return p.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    return SparkTestSession.get();
  }
}
