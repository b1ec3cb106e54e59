package io.pgmux.test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests of a
 * metrics endpoint. It fails, naming the line, on anything a scraper could misread: a sample
 * of no declared family, a family declared twice or whose samples are not together, a name or
 * label that breaks the syntax, a duplicate series, a negative counter, a histogram whose
 * buckets are not cumulative or whose {@code +Inf} bucket is not its {@code _count}.
 */
public final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

  /** One metric family: its type, help text and samples by series (name with labels). */
  public record Family(String name, String type, String help, Map<String, Double> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  /** Returns the families by name, in the order they appeared. */
  public Map<String, Family> families() {
    return families;
  }

  /**
   * Returns the value of one series, written as in the text ({@code name} or {@code
   * name{label="value"}}).
   *
   * @throws AssertionError if there is no such series
   */
  public double value(String series) {
    for (Family family : families.values()) {
      Double value = family.samples().get(series);
      if (value != null) {
        return value;
      }
    }
    throw new AssertionError("no series " + series + " in " + families.keySet());
  }

  /** Returns every series of counter families with their values. */
  public Map<String, Double> counters() {
    Map<String, Double> counters = new LinkedHashMap<>();
    for (Family family : families.values()) {
      if (family.type().equals("counter") || family.type().equals("histogram")) {
        family.samples().forEach((series, value) -> {
          if (!series.startsWith(family.name() + "_sum")) {
            counters.put(series, value);
          }
        });
      }
    }
    return counters;
  }

  /** Parses {@code text} strictly; see the class comment for what fails. */
  public static PrometheusText parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("exposition does not end with a line feed");
    }
    Map<String, String> help = new LinkedHashMap<>();
    Map<String, Family> families = new LinkedHashMap<>();
    Set<String> closed = new HashSet<>(); // families whose samples have ended
    String current = null;
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length - 1; n++) {
      String line = lines[n];
      String where = "line " + (n + 1) + " \"" + line + "\": ";
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ", 4);
        if (parts.length < 4 || !NAME.matcher(parts[2]).matches()) {
          throw new AssertionError(where + "malformed " + parts[1]);
        }
        String name = parts[2];
        if (line.startsWith("# HELP ")) {
          if (help.put(name, parts[3]) != null) {
            throw new AssertionError(where + "second HELP for " + name);
          }
        } else {
          if (families.containsKey(name)) {
            throw new AssertionError(where + "second TYPE for " + name);
          }
          if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(parts[3])) {
            throw new AssertionError(where + "unknown type " + parts[3]);
          }
          if (parts[3].equals("counter") && !name.endsWith("_total")) {
            throw new AssertionError(where + "counter name does not end in _total");
          }
          if (current != null) {
            closed.add(current);
          }
          current = name;
          families.put(name, new Family(name, parts[3], help.get(name), new LinkedHashMap<>()));
        }
        continue;
      }
      if (line.startsWith("#")) {
        continue; // a comment
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new AssertionError(where + "not a sample");
      }
      String name = sample.group(1);
      Family family = familyOf(name, families);
      if (family == null) {
        throw new AssertionError(where + "sample of no declared family");
      }
      if (!family.name().equals(current) || closed.contains(family.name())) {
        throw new AssertionError(where + "sample of " + family.name() + " apart from its family");
      }
      Map<String, String> labels = labels(where, sample.group(3));
      double value;
      try {
        value = Double.parseDouble(sample.group(4).replace("Inf", "Infinity"));
      } catch (NumberFormatException e) {
        throw new AssertionError(where + "value is not a number");
      }
      if ((family.type().equals("counter") || family.type().equals("histogram"))
          && !(value >= 0)) {
        throw new AssertionError(where + "negative or NaN " + family.type());
      }
      if (family.type().equals("histogram") && name.endsWith("_bucket") != labels.containsKey("le")) {
        throw new AssertionError(where + "le belongs on _bucket samples only");
      }
      String series = sample.group(2) == null ? name : name + sample.group(2);
      if (family.samples().put(series, value) != null) {
        throw new AssertionError(where + "duplicate series");
      }
    }
    for (Family family : families.values()) {
      if (family.help() == null) {
        throw new AssertionError("family " + family.name() + " has no HELP");
      }
      if (family.type().equals("histogram")) {
        checkHistogram(family);
      }
    }
    for (String name : help.keySet()) {
      if (!families.containsKey(name)) {
        throw new AssertionError("HELP for " + name + " without a TYPE");
      }
    }
    return new PrometheusText(families);
  }

  private static Family familyOf(String sample, Map<String, Family> families) {
    Family exact = families.get(sample);
    if (exact != null && !exact.type().equals("histogram")) {
      return exact;
    }
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (sample.endsWith(suffix)) {
        Family family = families.get(sample.substring(0, sample.length() - suffix.length()));
        if (family != null && family.type().equals("histogram")) {
          return family;
        }
      }
    }
    return null;
  }

  private static Map<String, String> labels(String where, String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null) {
      return labels;
    }
    Matcher label = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (!label.find(at) || label.start() != at) {
        throw new AssertionError(where + "malformed labels at " + at);
      }
      if (labels.put(label.group(1), label.group(2)) != null) {
        throw new AssertionError(where + "label " + label.group(1) + " twice");
      }
      at = label.end();
    }
    if (text.isEmpty() || text.endsWith(",")) {
      throw new AssertionError(where + "empty labels or trailing comma");
    }
    return labels;
  }

  private static void checkHistogram(Family family) {
    String name = family.name();
    List<Double> bounds = new ArrayList<>();
    double previous = -1;
    for (Map.Entry<String, Double> e : family.samples().entrySet()) {
      if (!e.getKey().startsWith(name + "_bucket{")) {
        continue;
      }
      String le = e.getKey().replaceAll(".*le=\"([^\"]*)\".*", "$1");
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      if (!bounds.isEmpty() && bound <= bounds.get(bounds.size() - 1)) {
        throw new AssertionError(name + ": bucket le=" + le + " out of order");
      }
      if (e.getValue() < previous) {
        throw new AssertionError(name + ": bucket le=" + le + " is below the one before");
      }
      bounds.add(bound);
      previous = e.getValue();
    }
    if (bounds.isEmpty() || bounds.get(bounds.size() - 1) != Double.POSITIVE_INFINITY) {
      throw new AssertionError(name + ": no +Inf bucket");
    }
    Double count = family.samples().get(name + "_count");
    if (count == null || family.samples().get(name + "_sum") == null) {
      throw new AssertionError(name + ": _count or _sum missing");
    }
    if (count.doubleValue() != previous) {
      throw new AssertionError(name + ": +Inf bucket " + previous + " is not _count " + count);
    }
  }
}
