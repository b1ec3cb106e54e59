package io.pgmux.internal.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The CLI's log format: one line per record, {@code 2026-11-28 09:12:33.123 INFO message}.
 *
 * <p>Unlike {@link java.util.logging.SimpleFormatter} it never asks the record for its source
 * class: that makes {@code LogRecord} walk the stack, and the proxy logs once per session, so on
 * a busy proxy the walk was a measurable share of the cost of a connection.
 */
final class LogLineFormatter extends Formatter {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  @Override
  public String format(LogRecord record) {
    StringBuilder line =
        new StringBuilder(128)
            .append(TIME.format(record.getInstant()))
            .append(' ')
            .append(record.getLevel().getName())
            .append(' ')
            .append(formatMessage(record));
    Throwable thrown = record.getThrown();
    if (thrown != null) {
      StringWriter trace = new StringWriter();
      thrown.printStackTrace(new PrintWriter(trace));
      line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
    }
    return line.append(System.lineSeparator()).toString();
  }
}
