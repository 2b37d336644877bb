/**
 * Suite 2: transport encryption, packets per second for a 120-byte Opus frame.
 * Send: RTP header + encrypt into one datagram. Receive: datagram to Opus payload.
 * Before timing, each side decrypts the other's packets, so both are proven to do the same work.
 */
import { randomBytes } from 'node:crypto';
import {
  createTransportCipher,
  decryptVoicePacket,
  type TransportCipher,
  type TransportEncryptionMode,
  VoiceSender,
} from '@cordwire/voice-udp';
import { type AnchorVoicePath, anchorSecretboxBackend, anchorVoicePath } from '../anchors/discordjsVoice.js';
import { interleave, opsPerSecond } from '../harness.js';
import type { Row } from '../report.js';
import type { Suite, SuiteContext } from '../suite.js';

const OPUS_FRAME_BYTES = 120;
const SSRC = 0x1234_5678;

interface OurPath {
  send(opus: Uint8Array): Uint8Array;
  receive(datagram: Uint8Array): Uint8Array;
}

/**
 * Ours: the send path is `VoiceSender` (what a connection's clock drives: pull a frame, RTP
 * header, encrypt in prepare; hand the datagram over in dispatch); the receive path is
 * `decryptVoicePacket` (transport decrypt + RTP parse, extension and padding stripped).
 */
function ourVoicePath(mode: TransportEncryptionMode, key: Uint8Array): OurPath {
  let frame: Uint8Array = new Uint8Array(0);
  let sent: Uint8Array = new Uint8Array(0);
  const sender = new VoiceSender({
    ssrc: SSRC,
    cipher: createTransportCipher(mode, key),
    source: () => frame,
    send: (datagram) => {
      sent = datagram;
    },
  });
  const receiver: TransportCipher = createTransportCipher(mode, key);
  return {
    send(opus) {
      frame = opus;
      sender.prepare();
      sender.dispatch();
      return sent;
    },
    receive(datagram) {
      const packet = decryptVoicePacket(receiver, datagram);
      if (!packet.ok) throw packet.error;
      return packet.value.payload;
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function crossCheck(mode: string, ours: OurPath, anchor: AnchorVoicePath, opus: Buffer): void {
  const fromAnchor = anchor.receive(Buffer.from(ours.send(opus)));
  const fromOurs = ours.receive(anchor.send(opus));
  if (!sameBytes(fromAnchor, opus) || !sameBytes(fromOurs, opus)) {
    throw new Error(`${mode}: ours and @discordjs/voice do not decrypt each other's packets`);
  }
}

async function measureMode(
  ctx: SuiteContext,
  mode: 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize',
): Promise<Row[]> {
  const key = randomBytes(32);
  const opus = randomBytes(OPUS_FRAME_BYTES);
  const ours = ourVoicePath(mode, key);
  const anchor = await anchorVoicePath(mode, key, SSRC);
  crossCheck(mode, ours, anchor, opus);

  const aes = mode === 'aead_aes256_gcm_rtpsize';
  // Same batch in both modes (a round is ~0.1-0.4 s); quick mode only runs fewer rounds.
  const iterations = aes ? 50_000 : 20_000;
  // Receive works on a ring of real datagrams from each side's own sender.
  const ring = 256;
  const ourDatagrams = Array.from({ length: ring }, () => ours.send(opus));
  const anchorDatagrams = Array.from({ length: ring }, () => anchor.send(opus));

  ctx.log(`transport ${mode}: send`);
  const send = await interleave(
    () => opsPerSecond(iterations, () => void ours.send(opus)),
    () => opsPerSecond(iterations, () => void anchor.send(opus)),
    ctx.rounds,
  );
  ctx.log(`transport ${mode}: receive`);
  const receive = await interleave(
    () => opsPerSecond(iterations, (i) => void ours.receive(ourDatagrams[i % ring]!)),
    () => opsPerSecond(iterations, (i) => void anchor.receive(anchorDatagrams[i % ring] as Buffer)),
    ctx.rounds,
  );
  const label = aes ? 'AES-256-GCM rtpsize' : 'XChaCha20-Poly1305 rtpsize';
  const target = { kind: 'ratio', min: aes ? 1.2 : 3 } as const;
  // What does the cipher work on our side, so a ratio can be read against what each side runs.
  const ourCipher = aes
    ? 'ours: node:crypto aes-256-gcm'
    : 'ours: @noble/ciphers hchacha + node:crypto chacha20-poly1305';
  const anchorName = aes
    ? '@discordjs/voice (node:crypto)'
    : `@discordjs/voice (XChaCha via ${anchorSecretboxBackend()})`;
  return [
    {
      suite: 'transport',
      metric: `${label} send, 120 B Opus`,
      unit: 'packets/s',
      better: 'higher',
      ours: send.ours,
      anchor: send.anchor,
      anchorName,
      target,
      notes: `${ourCipher}; ours: VoiceSender prepare + dispatch; anchor: Networking.createAudioPacket`,
    },
    {
      suite: 'transport',
      metric: `${label} receive, 120 B Opus`,
      unit: 'packets/s',
      better: 'higher',
      ours: receive.ours,
      anchor: receive.anchor,
      anchorName,
      target,
      notes: `${ourCipher}; ours: decryptVoicePacket (decrypt + RTP parse); anchor: VoiceReceiver.parsePacket`,
    },
  ];
}

export const transportSuite: Suite = {
  name: 'transport',
  async run(ctx) {
    return [
      ...(await measureMode(ctx, 'aead_aes256_gcm_rtpsize')),
      ...(await measureMode(ctx, 'aead_xchacha20_poly1305_rtpsize')),
    ];
  },
};
