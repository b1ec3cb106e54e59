package io.pgmux.internal.inspect;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SQL {@code LIKE} pattern matched against statement texts: case-insensitive, with white space
 * runs treated as one space and the text trimmed (see {@code ExecutedStatement.matches}).
 */
public final class SqlLike {
  private static final Pattern BLANKS = Pattern.compile("\\s+");

  private final String pattern;
  private final Pattern regex;

  private SqlLike(String pattern, Pattern regex) {
    this.pattern = pattern;
    this.regex = regex;
  }

  /**
   * Compiles a {@code LIKE} pattern.
   *
   * @throws IllegalArgumentException if it ends in a lone escape character
   */
  public static SqlLike compile(String like) {
    Objects.requireNonNull(like, "pattern");
    String normalized = normalize(like);
    StringBuilder regex = new StringBuilder(normalized.length() + 8);
    for (int i = 0; i < normalized.length(); i++) {
      char c = normalized.charAt(i);
      if (c == '\\') {
        if (++i == normalized.length()) {
          throw new IllegalArgumentException(
              "pattern \"" + like + "\" ends with the escape character \\: escape it as \\\\");
        }
        regex.append(Pattern.quote(String.valueOf(normalized.charAt(i))));
      } else if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new SqlLike(
        like,
        Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL));
  }

  /** Returns whether {@code sql} matches; a null text matches nothing. */
  public boolean matches(String sql) {
    return sql != null && regex.matcher(normalize(sql)).matches();
  }

  static String normalize(String sql) {
    return BLANKS.matcher(sql.strip()).replaceAll(" ");
  }

  @Override
  public String toString() {
    return pattern;
  }
}
