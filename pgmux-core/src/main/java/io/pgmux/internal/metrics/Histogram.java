package io.pgmux.internal.metrics;

import java.math.BigDecimal;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram of durations with fixed buckets. Recording is lock-free and allocation
 * free, so it may run on any thread; a scrape reads every bucket once and derives the cumulative
 * counts and the total from that one reading, so what it writes is always self-consistent
 * (buckets never decrease, {@code +Inf} equals {@code _count}).
 */
final class Histogram {
  /** Upper bounds in seconds: a map lookup takes microseconds, a directory service seconds. */
  static final double[] BOUNDS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final String[] LABELS = new String[BOUNDS.length];
  private static final long[] BOUNDS_NANOS = new long[BOUNDS.length];

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      LABELS[i] = BigDecimal.valueOf(BOUNDS[i]).stripTrailingZeros().toPlainString();
      BOUNDS_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
    }
  }

  /** Observations per bucket, not cumulative; the last one is {@code +Inf}. */
  private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];

  private final LongAdder sumNanos = new LongAdder();

  Histogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  /** Records one duration; negative durations (a clock that stepped back) count as zero. */
  void observeNanos(long nanos) {
    long value = Math.max(0, nanos);
    int i = 0;
    while (i < BOUNDS_NANOS.length && value > BOUNDS_NANOS[i]) {
      i++;
    }
    buckets[i].increment();
    sumNanos.add(value);
  }

  /** Writes the {@code _bucket}, {@code _sum} and {@code _count} samples of {@code name}. */
  void writeSamples(StringBuilder out, String name) {
    long cumulative = 0;
    for (int i = 0; i < buckets.length; i++) {
      cumulative += buckets[i].sum();
      String le = i < LABELS.length ? LABELS[i] : "+Inf";
      out.append(name).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
    }
    out.append(name).append("_sum ").append(sumNanos.sum() / 1e9).append('\n');
    out.append(name).append("_count ").append(cumulative).append('\n');
  }
}
