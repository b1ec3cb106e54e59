package io.pgmux.junit5.internal;

import java.util.Locale;

/** Compares backend names, to tell a typo from a deliberately different name. */
final class Names {
  private Names() {}

  /**
   * Returns whether {@code a} and {@code b} differ but look like one name misspelt: equal but for
   * case and separators, or at most two edits apart (a swap of neighbours counting one). Names
   * that differ only in their last part ({@code tenant_a}, {@code tenant_b}; {@code db1}, {@code
   * db2}) are taken as meant to differ.
   */
  static boolean lookAlike(String a, String b) {
    if (a.equals(b)) {
      return false;
    }
    if (normal(a).equals(normal(b))) {
      return true;
    }
    if (Math.min(a.length(), b.length()) < 4 || prefix(a).equals(prefix(b))) {
      return false;
    }
    return distance(a, b) <= 2;
  }

  private static String normal(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[-_ .]", "");
  }

  /** Returns the name without its last part: after the last separator, or its trailing digits. */
  private static String prefix(String name) {
    int separator = Math.max(name.lastIndexOf('_'), name.lastIndexOf('-'));
    if (separator >= 0) {
      return name.substring(0, separator);
    }
    return name.replaceFirst("\\d+$", "");
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
