package io.pgmux.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameTrackerTest {

  /** Two messages: 'D' with a 6-byte body, then 'Z' with a 1-byte body. */
  private static final byte[] STREAM = {
    'D', 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 'Z', 0, 0, 0, 5, 'I'
  };

  @Test
  void knowsTheBoundaryWhateverTheSplit() {
    for (int split = 0; split <= STREAM.length; split++) {
      for (int second = split; second <= STREAM.length; second++) {
        FrameTracker tracker = new FrameTracker();
        tracker.feed(ByteBuffer.wrap(STREAM, 0, split));
        assertThat(tracker.atBoundary()).as("after %d bytes", split).isEqualTo(split == 0 || split == 11 || split == 17);
        tracker.feed(ByteBuffer.wrap(STREAM, split, second - split));
        assertThat(tracker.atBoundary()).as("after %d bytes", second).isEqualTo(second == 0 || second == 11 || second == 17);
        tracker.feed(ByteBuffer.wrap(STREAM, second, STREAM.length - second));
        assertThat(tracker.atBoundary()).isTrue();
      }
    }
  }

  @Test
  void doesNotMoveTheBuffer() {
    ByteBuffer buffer = ByteBuffer.wrap(STREAM);
    new FrameTracker().feed(buffer);
    assertThat(buffer.position()).isZero();
  }

  @Test
  void aLengthBelowFourLosesTheStreamForGood() {
    FrameTracker tracker = new FrameTracker();
    tracker.feed(ByteBuffer.wrap(new byte[] {'D', 0, 0, 0, 3}));
    tracker.feed(ByteBuffer.wrap(STREAM));
    assertThat(tracker.atBoundary()).isFalse();
  }
}
