package io.pgmux.junit5.internal.refresh;

import io.pgmux.junit5.internal.refresh.TemplateManager.Template;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tenant databases of one test class on one server, each a clone of its template, replaced by
 * a fresh clone on {@link #refresh()}. Not thread-safe: JUnit calls it from one class's callbacks.
 *
 * <p>On a server the class has to itself (an embedded server), clones take the declared names
 * ({@code ALTER DATABASE ... RENAME}), so {@code current_database()} and the JDBC URL show what
 * the test declared. On a server others may use (a container, a given address), names stay unique
 * and the routes rewrite the database to the clone's name; the declared database is not touched.
 */
public final class TenantDatabases implements AutoCloseable {

  /**
   * One declared database.
   *
   * @param name the database routes name
   * @param owner the user that owns it and runs its template's sources
   * @param others further users routed to it, given all rights on it
   * @param sources what fills its template
   */
  public record Unit(String name, String owner, List<String> others, List<TemplateSource> sources) {
    public Unit {
      others = List.copyOf(others);
      sources = List.copyOf(sources);
    }
  }

  private final TemplateManager manager;
  private final boolean inPlace;
  private final Map<Unit, Template> templates = new LinkedHashMap<>();
  /** The database each unit is now, by unit. */
  private final Map<Unit, String> current = new LinkedHashMap<>();

  private TenantDatabases(TemplateManager manager, boolean inPlace) {
    this.manager = manager;
    this.inPlace = inPlace;
  }

  /**
   * Prepares the templates of {@code units} (once per server and JVM) and a first clone of each.
   *
   * @param inPlace whether the server is this class's alone, so clones take the declared names
   * @throws IllegalStateException if a template's sources fail, with their message
   */
  public static TenantDatabases create(
      TemplateManager manager, boolean inPlace, List<Unit> units, ClassLoader loader) {
    TenantDatabases databases = new TenantDatabases(manager, inPlace);
    try {
      for (Unit unit : units) {
        for (String user : unit.others()) {
          manager.ensureRole(user);
        }
        databases.templates.put(unit, manager.template(unit.owner(), unit.sources(), loader));
      }
      databases.install();
      return databases;
    } catch (SQLException e) {
      databases.close();
      throw new IllegalStateException("pgmux: cannot create roles on " + manager + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      databases.close();
      throw e;
    }
  }

  /**
   * Returns the database each declared one is now, by declared name: the same name in place, else
   * the clone's, which routes must rewrite to.
   */
  public Map<String, String> names() {
    Map<String, String> names = new LinkedHashMap<>();
    current.forEach((unit, name) -> names.put(unit.name(), name));
    return names;
  }

  /**
   * Replaces every database with a fresh clone: connections to the old ones are refused, their
   * sessions ended, and they are dropped in the background.
   *
   * @return {@link #names()} after the change
   */
  public Map<String, String> refresh() {
    install();
    return names();
  }

  private void install() {
    Map<Unit, String> fresh = new LinkedHashMap<>();
    templates.forEach((unit, template) -> fresh.put(unit, manager.take(template)));
    retire(List.copyOf(current.values()));
    List<String> trash = new ArrayList<>();
    try (AdminPool.Lease lease = manager.lease()) {
      Connection admin = lease.connection();
      for (Map.Entry<Unit, String> entry : fresh.entrySet()) {
        Unit unit = entry.getKey();
        String clone = entry.getValue();
        if (inPlace) {
          String old = manager.trashName();
          // One implicit transaction: the declared name is never missing, and never two databases.
          Sql.execute(
              admin,
              "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_database WHERE datname = "
                  + Sql.literal(unit.name()) + ") THEN ALTER DATABASE " + Sql.quote(unit.name())
                  + " RENAME TO " + Sql.quote(old) + "; END IF; END $$;"
                  + " ALTER DATABASE " + Sql.quote(clone) + " RENAME TO "
                  + Sql.quote(unit.name()));
          trash.add(old);
          manager.renamed(clone, unit.name());
          current.put(unit, unit.name());
        } else {
          trash.addAll(current.containsKey(unit) ? List.of(current.get(unit)) : List.of());
          current.put(unit, clone);
        }
        for (String user : unit.others()) {
          manager.grantAll(current.get(unit), user);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("pgmux: cannot put fresh databases in place on " + manager + ": " + e.getMessage(), e);
    }
    manager.dropLater(trash);
  }

  /** Refuses new connections to {@code databases} and ends their sessions. */
  private void retire(List<String> databases) {
    if (databases.isEmpty()) {
      return;
    }
    try (AdminPool.Lease lease = manager.lease()) {
      Connection admin = lease.connection();
      for (String name : databases) {
        Sql.execute(admin, "ALTER DATABASE " + Sql.quote(name) + " WITH ALLOW_CONNECTIONS false");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("pgmux: cannot close " + databases + " on " + manager + ": " + e.getMessage(), e);
    }
    manager.endSessions(databases);
  }

  /**
   * Ends the sessions on this class's databases and drops them in the background; in place, the
   * caller sweeps the server instead ({@link TemplateManager#sweep()}). Idempotent.
   */
  @Override
  public void close() {
    List<String> names = List.copyOf(current.values());
    current.clear();
    if (inPlace) {
      manager.sweep();
    } else if (!names.isEmpty()) {
      retire(names);
      manager.dropLater(names);
    }
  }
}
