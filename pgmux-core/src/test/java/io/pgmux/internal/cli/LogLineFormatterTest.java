package io.pgmux.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LogLineFormatterTest {

  @Test
  void writesOneLineWithTimeLevelAndMessage() {
    LogRecord record = new LogRecord(Level.INFO, "session {0} ended");
    record.setParameters(new Object[] {42});

    String line = new LogLineFormatter().format(record);

    assertThat(line)
        .matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO session 42 ended\\R")
        .hasLineCount(1);
  }

  @Test
  void appendsTheStackTraceOfWhatWasThrown() {
    LogRecord record = new LogRecord(Level.WARNING, "accepting failed");
    record.setThrown(new IOException("too many open files"));

    assertThat(new LogLineFormatter().format(record))
        .contains("WARNING accepting failed" + System.lineSeparator() + "java.io.IOException: too many open files")
        .contains("at io.pgmux.internal.cli.LogLineFormatterTest");
  }

  @Test
  void neverAsksForTheSourceWhichWouldWalkTheStack() {
    LogRecord record =
        new LogRecord(Level.INFO, "routed") {
          @Override
          public String getSourceClassName() {
            throw new AssertionError("the formatter asked for the source class");
          }

          @Override
          public String getSourceMethodName() {
            throw new AssertionError("the formatter asked for the source method");
          }
        };

    assertThat(new LogLineFormatter().format(record)).contains("INFO routed");
  }
}
