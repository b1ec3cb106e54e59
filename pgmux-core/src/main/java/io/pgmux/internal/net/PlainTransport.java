package io.pgmux.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A socket without encryption: reads and writes go straight to the channel. */
public final class PlainTransport extends Transport {

  public PlainTransport(SocketChannel channel) {
    super(channel);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return channel.read(dst);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return channel.write(src);
  }

  @Override
  public boolean flush() {
    return true;
  }

  @Override
  public boolean hasQueuedOutput() {
    return false;
  }

  @Override
  public boolean needsRead() {
    return false;
  }

  @Override
  public boolean hasBufferedInput() {
    return false;
  }

  @Override
  public void release() {}
}
