package io.pgmux.internal.tap;

import java.nio.ByteBuffer;

/**
 * One protocol message as a {@link MessageTap} sees it, valid only during the call.
 *
 * @param type the message's type byte
 * @param length the message's length field: the body's length plus 4
 * @param body the body, or its first {@link MessageTap#WHOLE_BODY_LIMIT} bytes; read-only,
 *     positioned at the body's start
 * @param whole true if {@code body} holds the whole body
 */
public record TapMessage(byte type, int length, ByteBuffer body, boolean whole) {}
