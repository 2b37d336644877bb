/**
 * A caller's own frame hook next to DAVE: outbound it sees the Opus frame before DAVE encrypts it,
 * inbound the Opus frame after DAVE decrypted it, so it always works on plain Opus.
 */
import type { FrameTransform } from '@cordwire/voice-udp';

export function composeFrameTransforms(
  user: FrameTransform | undefined,
  dave: FrameTransform,
): FrameTransform {
  if (!user) return dave;
  return {
    transformOutbound: (opus) => {
      const frame = user.transformOutbound ? user.transformOutbound(opus) : opus;
      return dave.transformOutbound ? dave.transformOutbound(frame) : frame;
    },
    transformInbound: (userId, payload) => {
      const opus = dave.transformInbound ? dave.transformInbound(userId, payload) : payload;
      if (opus === null) return null;
      return user.transformInbound ? user.transformInbound(userId, opus) : opus;
    },
  };
}
