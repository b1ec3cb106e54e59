package io.pgmux.internal.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a simple query's text into its statements at the semicolons PostgreSQL's lexer would
 * see: not those inside quotes ({@code '...'}, {@code E'...'}, {@code "..."}, {@code
 * $tag$...$tag$}) or comments ({@code --}, nested {@code /* *\/}). The backend answers each
 * statement with one CommandComplete (or an error, after which it runs no more), so statement
 * {@code i} here is the one the {@code i}-th answer is for. A text holding a SQL-standard function
 * body ({@code BEGIN ATOMIC ... END}), whose semicolons belong to the body, is kept whole.
 */
public final class SqlStatements {
  private static final Pattern ATOMIC = Pattern.compile("(?i)\\bbegin\\s+atomic\\b");

  private SqlStatements() {}

  /** A statement's place in the text: {@code [start, end)}, trimmed, without its semicolon. */
  public record Span(int start, int end) {
    public String of(String sql) {
      return sql.substring(start, end);
    }
  }

  /** Returns the non-empty statements of {@code sql}, in order; none for a blank text. */
  public static List<Span> split(String sql) {
    List<Span> spans = new ArrayList<>(1);
    int start = 0;
    int i = 0;
    int n = sql.length();
    boolean content = false; // the current statement holds more than blanks and comments
    while (i < n) {
      char c = sql.charAt(i);
      if (c == ';') {
        add(spans, sql, start, i, content);
        start = ++i;
        content = false;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        i = skipBlockComment(sql, i);
      } else if (Character.isWhitespace(c)) {
        i++;
      } else {
        content = true;
        if (c == '\'') {
          boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
              && (i < 2 || !identifierChar(sql.charAt(i - 2)));
          i = skipQuoted(sql, i, '\'', escapes);
        } else if (c == '"') {
          i = skipQuoted(sql, i, '"', false);
        } else if (c == '$' && (i == 0 || !identifierChar(sql.charAt(i - 1)))) {
          i = skipDollarQuoted(sql, i);
        } else {
          i++;
        }
      }
    }
    add(spans, sql, start, n, content);
    if (spans.size() > 1 && ATOMIC.matcher(sql).find()) {
      return List.of(trim(sql, 0, n));
    }
    return spans;
  }

  private static void add(List<Span> spans, String sql, int start, int end, boolean content) {
    if (content) {
      spans.add(trim(sql, start, end));
    }
  }

  private static Span trim(String sql, int start, int end) {
    while (start < end && Character.isWhitespace(sql.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(sql.charAt(end - 1))) {
      end--;
    }
    return new Span(start, end);
  }

  private static int skipBlockComment(String sql, int i) {
    int depth = 0;
    int n = sql.length();
    while (i < n) {
      if (sql.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (sql.startsWith("*/", i)) {
        i += 2;
        if (--depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
    int n = sql.length();
    i++;
    while (i < n) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < n && sql.charAt(i + 1) == quote) {
          i += 2; // doubled quote
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /** Skips {@code $tag$...$tag$}; a {@code $} that starts no such quote (a {@code $1}) is one char. */
  private static int skipDollarQuoted(String sql, int i) {
    int n = sql.length();
    int j = i + 1;
    if (j < n && Character.isDigit(sql.charAt(j))) {
      return j;
    }
    while (j < n && identifierChar(sql.charAt(j)) && sql.charAt(j) != '$') {
      j++;
    }
    if (j >= n || sql.charAt(j) != '$') {
      return i + 1;
    }
    String tag = sql.substring(i, j + 1);
    int close = sql.indexOf(tag, j + 1);
    return close < 0 ? n : close + tag.length();
  }

  private static boolean identifierChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 0x7f;
  }
}
