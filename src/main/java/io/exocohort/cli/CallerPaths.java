package io.exocohort.cli;

import io.exocohort.common.Caller;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;

/**
 * Converters of the options that name files or folders: a relative path is taken from the caller's working
 * directory ({@link Caller}: the client's under {@code exocohort serve}; in a normal launch the value is kept as
 * given, as before). Every option that is a path uses one of them ({@code ServePathsTest} checks that none is
 * missed).
 */
final class CallerPaths {
  private CallerPaths() {}

  /** A local path option typed {@link Path}. */
  static final class LocalPath implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      return Caller.resolve(Path.of(value));
    }
  }

  /** A path option typed String: local (resolved when relative) or a URI with a scheme such as s3a:// (kept). */
  static final class Location implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return Caller.resolve(value);
    }
  }
}
