package io.pgmux.internal.console;

import io.pgmux.internal.protocol.ResultMessages.Column;
import java.util.List;

/**
 * A command's answer: the columns and rows of a result set (none for a command without one) and
 * the command tag.
 *
 * @param columns the result's columns, or null if the command returns no rows
 * @param rows the rows, each value text or null
 */
public record Result(List<Column> columns, List<List<String>> rows, String tag) {
  static Result tag(String tag) {
    return new Result(null, List.of(), tag);
  }

  static Result rows(List<Column> columns, List<List<String>> rows) {
    return new Result(columns, rows, "SHOW " + rows.size());
  }
}
