package io.pgmux.internal.proxy;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.FrameTracker;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.TapAction;
import io.pgmux.internal.tap.TapMessage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a tapped session: cuts the bytes into protocol messages, shows each to the
 * {@link MessageTap} before it goes on, and does what the tap answers. It holds at most one read
 * buffer and one message (its header and up to {@link MessageTap#WHOLE_BODY_LIMIT} body bytes;
 * the rest of a longer body streams through), and reads nothing while its sink is full or a
 * message waits, so back-pressure holds as in the blind relay.
 *
 * <p>A message that lies whole in the read buffer is shown where it lies, and if the tap lets it
 * pass it stays there: the messages of one read that pass go out in one write, as the blind relay
 * would send them. A write per message would cost a system call each and split a client's
 * pipelined batch into packets the backend wakes up for one by one.
 *
 * <p>Session-wide outcomes ({@link TapAction.Terminate}, {@link TapAction.Cut}) are noted for
 * {@link Tapping} to act on; the pipe never calls out. Runs on the session's loop.
 */
final class TappedPipe {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** Reads per call of {@link #drive()} before letting other sessions run. */
  private static final int READS_PER_EVENT = 16;

  private final EventLoop loop;
  private final BufferPool pool;
  private final Transport from;
  private final Transport to;
  private final boolean fromBackend;
  private final Runnable wake;
  private MessageTap tap;

  /**
   * Bytes read: those before its position were looked at. Draining mode; null when none. The
   * bytes from {@link #unsentFrom} to {@link #passedUpTo} were let through in place and wait to
   * be written; those from {@link #passedUpTo} to the position were taken out of the stream.
   */
  private ByteBuffer in;
  private int unsentFrom;
  private int passedUpTo;
  /** Bytes let through and not yet written. Draining mode; null when none. */
  private ByteBuffer out;
  /** Whether {@link #out} came from the pool. */
  private boolean outPooled;
  /** The message being gathered: header, then body up to the limit. Filling mode; heap. */
  private ByteBuffer message = ByteBuffer.allocate(5 + 256);
  /** Set once {@link #message} was let through, so it is cleared before the next one. */
  private boolean messageSent;
  /** Body bytes of the current message to gather for the tap. */
  private int bodyWanted;
  /** Bytes to pass unseen: the rest of a long body, or everything once the stream is lost. */
  private long passRaw;
  /** Bytes to drop unseen: the rest of a long body the tap replaced. */
  private long dropRaw;
  /** Follows a message the blind relay had begun before the tap came; null at a boundary. */
  private FrameTracker alignment;
  /** The stream broke the framing; bytes pass unseen from here on. */
  private boolean lost;
  /** A Delay or Hold keeps the message, and the direction, waiting. */
  private boolean waiting;
  private boolean held;
  private EventLoop.Timer delay;
  /** Body bytes still to come after the message that waits. */
  private long restOfWaiting;
  private boolean sourceDone;
  /** The last bytes (the proxy's FATAL) are queued: nothing more is read. */
  private boolean closing;
  /** The session is about to end: go no further than the end of the current message. */
  private boolean pausing;
  /** What the tap asked for the whole session; null or false until it did. */
  private ProxyError terminate;
  private boolean cut;
  private volatile long bytesRead;
  /** When the source was last read (System.nanoTime). */
  private long lastReadAt = System.nanoTime();
  /** When a ReadyForQuery with status I was shown, if it is the last message shown. */
  private long readyIdleAt;
  private boolean readyIdle;

  TappedPipe(
      EventLoop loop, Transport from, Transport to, boolean fromBackend, Runnable wake) {
    this.loop = loop;
    this.pool = loop.pool();
    this.from = from;
    this.to = to;
    this.fromBackend = fromBackend;
    this.wake = wake;
  }

  /**
   * Starts tapping. {@code unsent} (a pool buffer or a heap one) goes out first; {@code unread}
   * is looked at before the next read; {@code alignment}, if not at a boundary, follows the
   * message already begun.
   */
  void start(
      MessageTap tap, ByteBuffer unsent, ByteBuffer unread, FrameTracker alignment, boolean done) {
    this.tap = tap;
    this.out = unsent;
    this.outPooled = unsent != null;
    this.in = unread != null && unread.hasRemaining() ? unread : null;
    if (in != null) {
      unsentFrom = passedUpTo = in.position();
    }
    this.alignment = alignment != null && !alignment.atBoundary() ? alignment : null;
    this.sourceDone = done;
  }

  long bytesRead() {
    return bytesRead;
  }

  ProxyError terminate() {
    return terminate;
  }

  boolean cut() {
    return cut;
  }

  /** Returns whether the source ended and all it sent is delivered. */
  boolean drained() {
    return sourceDone && !waiting && out == null && in == null && !to.hasQueuedOutput();
  }

  /** Returns whether the closing FATAL is delivered. */
  boolean closed() {
    return closing && out == null && !hasPassedInPlace() && !to.hasQueuedOutput();
  }

  /** Returns whether nothing of a message is half sent, so the proxy may send one of its own. */
  boolean atBoundary() {
    return out == null && !hasPassedInPlace() && atMessageStart() && !lost;
  }

  /** Returns whether the next byte looked at starts a message (or the stream is lost). */
  private boolean atMessageStart() {
    return passRaw == 0 && dropRaw == 0 && alignment == null;
  }

  /** Returns whether messages let through in place wait to be written. */
  private boolean hasPassedInPlace() {
    return in != null && unsentFrom < passedUpTo;
  }

  /** Returns whether the last message shown is a ReadyForQuery with status I (idle). */
  boolean readyIdle() {
    return readyIdle && !waiting && out == null && !hasPassedInPlace();
  }

  long readyIdleAt() {
    return readyIdleAt;
  }

  /** Returns whether nothing was read after {@code since} and nothing waits to go. */
  boolean quietSince(long since) {
    return lastReadAt - since < 0 && in == null && out == null && !waiting;
  }

  /** Sends {@code last} at the boundary in place of anything waiting, then reads no more. */
  void finishWith(ByteBuffer last) {
    stopWaiting();
    if (!hasPassedInPlace()) {
      in = releaseIn();
    }
    out = last;
    outPooled = false;
    closing = true;
  }

  /** Goes no further than the end of the message under way: the proxy will speak next. */
  void pauseAtBoundary() {
    pausing = true;
  }

  /** Stops reading for good: the session is ending. */
  void stop() {
    closing = true;
    stopWaiting();
  }

  boolean wantsRead() {
    return in == null && out == null && !waiting && !sourceDone && !closing && !cut
        && terminate == null && !to.hasQueuedOutput() && !(pausing && atBoundary());
  }

  boolean wantsWrite() {
    return out != null
        || to.hasQueuedOutput()
        || hasPassedInPlace()
        || (in != null && !waiting && !closing);
  }

  /** Lets a held message go; returns whether one was held. */
  boolean resume() {
    if (!held) {
      return false;
    }
    held = false;
    waiting = false;
    letThrough(restOfWaiting);
    return true;
  }

  /** Moves messages from the source to the sink until one of them, or the tap, makes it wait. */
  void drive() throws IOException {
    boolean shortRead = false;
    for (int reads = 0; reads < READS_PER_EVENT; ) {
      if (!flushOut() || waiting || closing || cut || terminate != null) {
        return;
      }
      if (pausing && atBoundary()) {
        return;
      }
      if (in == null) {
        if (sourceDone) {
          return;
        }
        in = pool.acquire();
        int room = in.remaining();
        int n;
        try {
          n = from.read(in);
        } catch (IOException | RuntimeException e) {
          in = releaseIn();
          throw e;
        }
        if (n <= 0) {
          in = releaseIn();
          if (n < 0) {
            sourceEnded();
          }
          return;
        }
        reads++;
        shortRead = n < room;
        bytesRead += n;
        lastReadAt = System.nanoTime();
        in.flip();
        unsentFrom = passedUpTo = 0;
      }
      if (!look()) {
        return;
      }
      if (in != null && !in.hasRemaining() && !hasPassedInPlace()) {
        in = releaseIn();
      }
      if (in == null && shortRead && !from.hasBufferedInput()) {
        // A short read took all there was, so another read would only return 0: one syscall
        // saved per read. The selector is level-triggered and reports later bytes itself.
        return;
      }
    }
  }

  /**
   * Goes through {@link #in}; returns false when the sink is full or the tap made it wait, true
   * once every byte was looked at and everything let through is written.
   */
  private boolean look() throws IOException {
    while (in.hasRemaining()) {
      // Bytes taken out of the stream lie between what was let through and what comes next:
      // write what was let through before letting more through.
      if ((out != null || in.position() != passedUpTo) && !flushOut()) {
        return false;
      }
      if (waiting || closing || cut || terminate != null || (pausing && atMessageStart())) {
        flushOut(); // what was let through before the stop still goes
        return false;
      }
      if (atMessageStart() && !lost && !gathering() && showInPlace()) {
        continue;
      }
      if (!flushOut()) {
        return false;
      }
      if (passRaw > 0) {
        int n = (int) Math.min(passRaw, in.remaining());
        int limit = in.limit();
        in.limit(in.position() + n);
        int written;
        try {
          written = to.write(in);
        } finally {
          in.limit(limit);
        }
        passRaw -= written;
        if (written < n) {
          return false;
        }
      } else if (dropRaw > 0) {
        int n = (int) Math.min(dropRaw, in.remaining());
        in.position(in.position() + n);
        dropRaw -= n;
      } else if (alignment != null) {
        passRaw = alignment.feedToBoundary(in);
        lost = alignment.lost();
        if (alignment.atBoundary() || lost) {
          alignment = null;
        }
      } else if (lost) {
        passRaw = Long.MAX_VALUE;
      } else if (gather()) {
        show();
      }
      passedUpTo = in.position(); // what the steps above wrote or took is not to be written again
      unsentFrom = passedUpTo;
    }
    return flushOut();
  }

  /** Returns whether part of a message was gathered into {@link #message}. */
  private boolean gathering() {
    return !messageSent && message.position() > 0;
  }

  /**
   * Shows the tap the message at {@link #in}'s position if it lies there whole; returns false,
   * having done nothing, if it does not. A message the tap lets pass stays in place; any other
   * answer takes it out of the stream, into {@link #message}, and is acted on as usual.
   */
  private boolean showInPlace() {
    int start = in.position();
    if (in.remaining() < 5) {
      return false;
    }
    int length = in.getInt(start + 1);
    if (length < 4 || length - 4 > MessageTap.WHOLE_BODY_LIMIT || in.remaining() - 1 < length) {
      return false;
    }
    int end = start + 1 + length;
    TapMessage shown =
        new TapMessage(in.get(start), length, in.slice(start + 5, length - 4).asReadOnlyBuffer(), true);
    TapAction action = ask(shown);
    if (action == TapAction.PASS) {
      in.position(end);
      passedUpTo = end;
      return true;
    }
    startMessageIfSent();
    ensureMessageRoom(1 + length);
    message.put(0, in, start, 1 + length).position(1 + length);
    bodyWanted = length - 4;
    in.position(end);
    act(action, 0);
    return true;
  }

  /** Copies bytes of the current message into {@link #message}; returns true once complete. */
  private boolean gather() {
    startMessageIfSent();
    if (message.position() < 5) {
      copy(5 - message.position());
      if (message.position() < 5) {
        return false;
      }
      int length = message.getInt(1);
      if (length < 4) {
        lost = true; // no way to find the next message: let everything through as it comes
        letThrough(0);
        return false;
      }
      bodyWanted = (int) Math.min(length - 4L, MessageTap.WHOLE_BODY_LIMIT);
      ensureMessageRoom(5 + bodyWanted);
    }
    copy(5 + bodyWanted - message.position());
    return message.position() == 5 + bodyWanted;
  }

  /** Empties {@link #message} once the last one was let through, for the next message. */
  private void startMessageIfSent() {
    if (messageSent) {
      message.clear();
      messageSent = false;
    }
  }

  /** Grows {@link #message} to hold {@code size} bytes, keeping what it gathered so far. */
  private void ensureMessageRoom(int size) {
    if (message.capacity() < size) {
      message = ByteBuffer.allocate(size).put(message.flip());
    }
  }

  private void copy(int wanted) {
    int n = Math.min(wanted, in.remaining());
    message.put(message.position(), in, in.position(), n);
    message.position(message.position() + n);
    in.position(in.position() + n);
  }

  /** The message is gathered: asks the tap and does what it says. */
  private void show() {
    int length = message.getInt(1);
    long rest = length - 4L - bodyWanted;
    ByteBuffer body = message.asReadOnlyBuffer().flip().position(5);
    act(ask(new TapMessage(message.get(0), length, body.slice(), rest == 0)), rest);
  }

  private TapAction ask(TapMessage shown) {
    readyIdle =
        shown.type() == 'Z' && shown.length() == 5 && shown.body().get(shown.body().position()) == 'I';
    if (readyIdle) {
      readyIdleAt = System.nanoTime();
    }
    try {
      return fromBackend ? tap.fromBackend(shown) : tap.fromClient(shown);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "message tap failed; the message passes", e);
      return TapAction.PASS;
    }
  }

  /**
   * Does what the tap answered for the message in {@link #message}, of which {@code rest} body
   * bytes are still to come.
   */
  private void act(TapAction action, long rest) {
    if (action instanceof TapAction.Replace replace) {
      out = replace.messages().duplicate();
      outPooled = false;
      dropRaw = rest;
      message.clear();
    } else if (action instanceof TapAction.Delay pause) {
      waiting = true;
      restOfWaiting = rest;
      delay =
          loop.schedule(
              Math.max(0, pause.delay().toNanos()),
              TimeUnit.NANOSECONDS,
              () -> {
                delay = null;
                waiting = false;
                letThrough(restOfWaiting);
                wake.run();
              });
    } else if (action instanceof TapAction.Hold) {
      waiting = true;
      held = true;
      restOfWaiting = rest;
    } else if (action instanceof TapAction.Terminate end) {
      terminate = new ProxyError(end.sqlState(), end.message());
      message.clear(); // the session ends here: the rest of the body is never read
    } else if (action instanceof TapAction.Cut) {
      cut = true;
    } else {
      letThrough(rest);
    }
  }

  /** Sends the gathered message on, and then {@code rest} body bytes as they come. */
  private void letThrough(long rest) {
    out = message.flip();
    outPooled = false;
    messageSent = true;
    passRaw = rest;
  }

  /**
   * Writes what waits to go, in stream order: the messages let through in place, then {@link
   * #out}. Returns whether all of it is written and the sink has nothing queued.
   */
  private boolean flushOut() throws IOException {
    if (hasPassedInPlace()) {
      int position = in.position();
      int limit = in.limit();
      in.limit(passedUpTo).position(unsentFrom);
      try {
        to.write(in);
        unsentFrom = in.position();
      } finally {
        in.limit(limit).position(position);
      }
      if (unsentFrom < passedUpTo) {
        return false;
      }
    }
    if (in != null) {
      unsentFrom = passedUpTo = in.position();
    }
    if (out != null) {
      to.write(out);
      if (out.hasRemaining()) {
        return false;
      }
      if (outPooled) {
        pool.release(out);
      }
      out = null;
    }
    return to.flush();
  }

  private void sourceEnded() {
    sourceDone = true;
    if (!messageSent && !waiting && message.position() > 0 && out == null) {
      letThrough(0); // a message cut short by the close goes on as it is, as the blind relay does
    }
  }

  private void stopWaiting() {
    if (delay != null) {
      delay.cancel();
      delay = null;
    }
    waiting = false;
    held = false;
  }

  private ByteBuffer releaseIn() {
    pool.release(in);
    return null;
  }

  /** Gives the buffers back; the session is over. */
  void release() {
    stopWaiting();
    in = releaseIn();
    if (outPooled) {
      pool.release(out);
    }
    out = null;
  }
}
