package io.pgmux.junit5.internal.refresh;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens superuser connections to one server; all a {@link TemplateManager} needs. */
@FunctionalInterface
public interface Admin {

  /** Opens a new superuser connection, in auto-commit mode, to {@code database}. */
  Connection connect(String database) throws SQLException;
}
