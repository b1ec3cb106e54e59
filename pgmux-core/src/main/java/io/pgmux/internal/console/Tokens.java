package io.pgmux.internal.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The words of one console command, as PostgreSQL's lexer would cut them: unquoted words are
 * folded to lower case, {@code "quoted identifiers"} and {@code 'string literals'} keep their case
 * (a doubled quote stands for one), and any other character is a symbol of its own.
 */
final class Tokens {
  enum Kind {
    WORD,
    QUOTED,
    STRING,
    NUMBER,
    SYMBOL
  }

  /**
   * @param text the value: folded for a word, unquoted for quoted ones
   * @param raw the token as written, for error messages
   */
  record Token(Kind kind, String text, String raw) {}

  private final List<Token> tokens;
  private int next;

  private Tokens(List<Token> tokens) {
    this.tokens = tokens;
  }

  /** @throws ConsoleError 42601 for an unterminated quote */
  static Tokens of(String command) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    int n = command.length();
    while (i < n) {
      char c = command.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'' || c == '"') {
        StringBuilder value = new StringBuilder();
        int start = i++;
        while (true) {
          if (i >= n) {
            throw new ConsoleError(
                "42601",
                "pgmux: unterminated " + (c == '"' ? "quoted identifier" : "quoted string")
                    + " at or near \"" + command.substring(start) + "\"",
                "try SHOW HELP");
          }
          char d = command.charAt(i++);
          if (d == c) {
            if (i < n && command.charAt(i) == c) {
              value.append(c);
              i++;
            } else {
              break;
            }
          } else {
            value.append(d);
          }
        }
        out.add(new Token(c == '"' ? Kind.QUOTED : Kind.STRING, value.toString(), command.substring(start, i)));
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(command.charAt(i)) || command.charAt(i) == '_'
            || command.charAt(i) == '$')) {
          i++;
        }
        String raw = command.substring(start, i);
        out.add(new Token(Kind.WORD, raw.toLowerCase(Locale.ROOT), raw));
      } else if (Character.isDigit(c)) {
        int start = i;
        while (i < n && Character.isLetterOrDigit(command.charAt(i))) {
          i++;
        }
        String raw = command.substring(start, i);
        out.add(new Token(Kind.NUMBER, raw, raw));
      } else {
        out.add(new Token(Kind.SYMBOL, String.valueOf(c), String.valueOf(c)));
        i++;
      }
    }
    return new Tokens(out);
  }

  boolean atEnd() {
    return next >= tokens.size();
  }

  /** Returns the next token without taking it, or null at the end. */
  Token peek() {
    return atEnd() ? null : tokens.get(next);
  }

  /** Takes the next token if it is the (unquoted) keyword {@code word}. */
  boolean accept(String word) {
    Token t = peek();
    if (t != null && t.kind() == Kind.WORD && t.text().equals(word)) {
      next++;
      return true;
    }
    return false;
  }

  /** Takes the keyword {@code word}, or fails with a syntax error at the next token. */
  void expect(String word) {
    if (!accept(word)) {
      throw unexpected();
    }
  }

  /** Takes the next token, of any kind; fails at the end. */
  Token take() {
    if (atEnd()) {
      throw unexpected();
    }
    return tokens.get(next++);
  }

  /** Takes the next token if it is the symbol {@code c}. */
  boolean acceptSymbol(char c) {
    Token t = peek();
    if (t != null && t.kind() == Kind.SYMBOL && t.text().charAt(0) == c) {
      next++;
      return true;
    }
    return false;
  }

  /** Returns the syntax error at the next token, or at the end of the input. */
  ConsoleError unexpected() {
    Token t = peek();
    return ConsoleError.syntax(t == null ? null : t.raw());
  }
}
