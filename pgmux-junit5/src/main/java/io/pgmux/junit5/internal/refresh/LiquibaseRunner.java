package io.pgmux.junit5.internal.refresh;

import java.sql.Connection;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;

/** Runs Liquibase; loaded only once Liquibase is known to be on the classpath. */
final class LiquibaseRunner {
  private LiquibaseRunner() {}

  @SuppressWarnings("deprecation") // the Liquibase facade: stable through 4.x, simpler than CommandScope
  static void update(TemplateSource.Connections connections, String changelog, ClassLoader loader)
      throws Exception {
    try (Connection connection = connections.open()) {
      Database database =
          DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
      try (Liquibase liquibase =
          new Liquibase(changelog, new ClassLoaderResourceAccessor(loader), database)) {
        liquibase.update(new Contexts(), new LabelExpression());
      }
    }
  }
}
