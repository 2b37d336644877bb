/**
 * Quick side-by-side of transport encryption against @discordjs/voice 0.19 (a sanity check while
 * developing; the real benchmarks live in bench/). Run: pnpm exec tsx scripts/quickBench.ts
 * 120-byte Opus payload, 12-byte RTP header, same machine, same process, rounds interleaved.
 */
import { createCipheriv, createSecretKey } from 'node:crypto';
import { Networking, VoiceReceiver } from '@discordjs/voice';
import { NonceCounter, buildRtpPacket, createTransportCipher } from '../src/index.js';

type Mode = 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize';
const key = new Uint8Array(32).fill(7);
const opus = new Uint8Array(120).fill(0x55);
const header = buildRtpPacket({ sequence: 1, timestamp: 2, ssrc: 3 }, new Uint8Array(0));
const networking = Networking.prototype as unknown as {
  createAudioPacket(opus: Buffer, data: object): Buffer;
  encryptOpusPacket: unknown;
};
const receiver = VoiceReceiver.prototype as unknown as {
  decrypt(buffer: Buffer, mode: Mode, nonce: Buffer, key: Uint8Array): Buffer;
};

function time(iterations: number, fn: () => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200)); // let discord.js load its XChaCha lib
  const opusBuffer = Buffer.from(opus);
  for (const mode of ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as Mode[]) {
    const ours = createTransportCipher(mode, key, { nonce: new NonceCounter({ start: 0 }) });
    const data = {
      secretKey: key,
      encryptionMode: mode,
      nonce: 0,
      nonceBuffer: Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24),
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
    };
    const self = { encryptOpusPacket: networking.encryptOpusPacket };
    const sample = Buffer.from(ours.seal(header, opus));
    const nonce = Buffer.alloc(data.nonceBuffer.length);
    const rows: Record<string, number[]> = {
      ourSeal: [],
      djsCreate: [],
      ourOpen: [],
      djsDecrypt: [],
      floor: [],
    };
    // The floor: one bare OpenSSL AES-GCM call sequence with a cached KeyObject, no packet work.
    const keyObject = createSecretKey(key);
    const iv = Buffer.alloc(12);
    const floor = () => {
      const c = createCipheriv('aes-256-gcm', keyObject, iv);
      c.setAAD(header);
      c.update(opus);
      c.final();
      return c.getAuthTag();
    };
    const n = mode === 'aead_aes256_gcm_rtpsize' ? 20_000 : 10_000;
    for (let round = 0; round < 15; round++) {
      rows.ourSeal!.push(time(n, () => ours.seal(header, opus)));
      rows.djsCreate!.push(time(n, () => networking.createAudioPacket.call(self, opusBuffer, data)));
      rows.ourOpen!.push(time(n, () => ours.decryptRtp(sample)));
      rows.djsDecrypt!.push(time(n, () => receiver.decrypt(sample, mode, nonce, key)));
      rows.floor!.push(time(n, floor));
    }
    // Minimum over rounds: on a shared machine it is the estimate least disturbed by neighbours.
    const summary = (pick: (values: number[]) => number) =>
      Object.fromEntries(Object.entries(rows).map(([name, values]) => [name, pick(values.slice(1))]));
    const m = summary((values) => Math.min(...values));
    const med = summary(median);
    console.log(
      `${mode} medians: ${Object.entries(med)
        .map(([name, value]) => `${name} ${value.toFixed(0)}`)
        .join(', ')}`,
    );
    console.log(
      `${mode} minimums: encrypt ours ${m.ourSeal!.toFixed(0)} ns vs discord.js createAudioPacket ${m.djsCreate!.toFixed(0)} ns ` +
        `(${(m.djsCreate! / m.ourSeal!).toFixed(2)}x); decrypt ours ${m.ourOpen!.toFixed(0)} ns vs ` +
        `discord.js ${m.djsDecrypt!.toFixed(0)} ns (${(m.djsDecrypt! / m.ourOpen!).toFixed(2)}x); ` +
        `bare OpenSSL AES-GCM call floor ${m.floor!.toFixed(0)} ns`,
    );
  }
}

await main();
