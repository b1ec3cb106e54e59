package io.pgmux.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The strict reader must reject what a scraper would misread, or the metrics tests prove nothing. */
class PrometheusTextTest {
  private static final String GOOD =
      "# HELP a_total A.\n# TYPE a_total counter\na_total{k=\"v\\\"\"} 1\n"
          + "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
          + "h_sum 0.5\nh_count 2\n";

  @Test
  void readsAGoodExposition() {
    PrometheusText text = PrometheusText.parse(GOOD);
    assertThat(text.value("a_total{k=\"v\\\"\"}")).isEqualTo(1);
    assertThat(text.value("h_count")).isEqualTo(2);
    assertThat(text.counters()).containsOnlyKeys("a_total{k=\"v\\\"\"}", "h_bucket{le=\"0.1\"}",
        "h_bucket{le=\"+Inf\"}", "h_count");
  }

  @Test
  void rejectsWhatAScraperWouldMisread() {
    assertThatThrownBy(() -> PrometheusText.parse(GOOD + "b 1\n")).hasMessageContaining("no declared family");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD + "a_total 2\n")).hasMessageContaining("apart from its family");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD.replace("h_count 2", "h_count 3"))).hasMessageContaining("is not _count");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD.replace("} 1\nh_bucket{le=\"+Inf\"} 2", "} 3\nh_bucket{le=\"+Inf\"} 2")))
        .hasMessageContaining("below the one before");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD.replace("{k=\"v\\\"\"}", "{k=v}"))).hasMessageContaining("malformed labels");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD.replace("a_total 1", "a_total -1").replace("\"} 1", "\"} -1")))
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE c counter\nc 1\n")).hasMessageContaining("_total");
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE g gauge\ng 1\n")).hasMessageContaining("no HELP");
    assertThatThrownBy(() -> PrometheusText.parse(GOOD.trim())).hasMessageContaining("line feed");
  }
}
