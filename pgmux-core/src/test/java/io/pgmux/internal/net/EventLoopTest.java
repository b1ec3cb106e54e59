package io.pgmux.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
  private final EventLoop loop = newLoop();

  private static EventLoop newLoop() {
    try {
      EventLoop loop = new EventLoop("event-loop-test");
      loop.start();
      return loop;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void stop() throws Exception {
    loop.shutdown();
    assertThat(loop.awaitTermination(5_000)).isTrue();
  }

  private <T> T onLoop(Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(
        () -> {
          try {
            result.complete(work.call());
          } catch (Exception e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCancelledTimerLeavesTheQueueAtOnce() throws Exception {
    int queued =
        onLoop(
            () -> {
              List<EventLoop.Timer> timers = new ArrayList<>();
              for (int i = 0; i < 1_000; i++) {
                timers.add(loop.schedule(1, TimeUnit.HOURS, () -> {}));
              }
              timers.forEach(EventLoop.Timer::cancel);
              return loop.timersQueued();
            });
    assertThat(queued).isZero();
  }

  @Test
  void timersRunInDeadlineOrderAndCancelledOnesNever() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> last = new CompletableFuture<>();
    onLoop(
        () -> {
          loop.schedule(30, TimeUnit.MILLISECONDS, () -> ran.add("b"));
          EventLoop.Timer cancelled = loop.schedule(20, TimeUnit.MILLISECONDS, () -> ran.add("x"));
          loop.schedule(10, TimeUnit.MILLISECONDS, () -> ran.add("a"));
          loop.schedule(40, TimeUnit.MILLISECONDS, () -> last.complete(null));
          cancelled.cancel();
          cancelled.cancel(); // twice is harmless
          return null;
        });
    last.get(10, TimeUnit.SECONDS);
    assertThat(ran).containsExactly("a", "b");
    assertThat(onLoop(loop::timersQueued)).isZero();
  }

  @Test
  void cancellingATimerThatRanIsHarmless() throws Exception {
    CompletableFuture<EventLoop.Timer> timer = new CompletableFuture<>();
    CompletableFuture<Void> ran = new CompletableFuture<>();
    onLoop(() -> timer.complete(loop.schedule(0, TimeUnit.MILLISECONDS, () -> ran.complete(null))));
    ran.get(10, TimeUnit.SECONDS);
    assertThat(
            onLoop(
                () -> {
                  EventLoop.Timer other = loop.schedule(1, TimeUnit.HOURS, () -> {});
                  timer.get().cancel();
                  int left = loop.timersQueued();
                  other.cancel();
                  return left;
                }))
        .isEqualTo(1);
  }
}
