/**
 * Child-process entry (forked by voiceHost.ts): voice connections of one library against the
 * emulator's voice server, which stays in the parent. A separate process gives each library its
 * own heap to measure and lets @discordjs/voice trust the server's self-signed certificate through
 * NODE_EXTRA_CA_CERTS, the only way it accepts one. Requests arrive over IPC:
 *   { type: 'memory', side, members, caPem } → { type: 'memory', heap, external, ready } (KiB each)
 *   { type: 'relay', members, caPem, seconds } → { type: 'relay', latencies, sent, received }
 *   (relay: `seconds` measured after one second of warm-up)
 *   { type: 'e2ee', side, members, caPem, seconds } → { type: 'e2ee', cpuMs, connectionSeconds, sent, received }
 *   (e2ee: members in pairs, one MLS group per pair; every connection sends 50 packets/s and
 *   receives its partner's; the process's CPU time is taken over `seconds` after the groups formed)
 * Each member carries what VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE would have told it, so the
 * adapter answers op 4 at once, as a main gateway would.
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import {
  createAudioPlayer,
  createAudioResource,
  EndBehaviorType,
  entersState,
  StreamType,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import {
  joinVoiceChannel as joinOurs,
  type VoiceAdapterCreator,
  type VoiceConnection,
} from '@cordwire/voice-ws';
import { adapterFor, joinAnchorAs, type VoiceMember } from './voiceMember.js';

export type { VoiceMember } from './voiceMember.js';

type Request =
  | { type: 'memory'; side: 'ours' | 'anchor'; members: VoiceMember[]; caPem: string }
  | { type: 'relay'; members: VoiceMember[]; caPem: string; seconds: number }
  | { type: 'e2ee'; side: 'ours' | 'anchor'; members: VoiceMember[]; caPem: string; seconds: number };

const send = (message: unknown) => process.send?.(message);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

async function connectOurs(members: VoiceMember[], caPem: string): Promise<VoiceConnection[]> {
  const connections = members.map((member) =>
    joinOurs({
      guildId: member.guildId,
      channelId: member.channelId,
      adapterCreator: adapterFor(member) as unknown as VoiceAdapterCreator,
      ca: caPem,
      selfDeaf: false,
    }),
  );
  await Promise.all(connections.map((c) => c.ready(30_000)));
  return connections;
}

async function memory(request: Extract<Request, { type: 'memory' }>): Promise<void> {
  // Load and warm the library with one connection that is not counted.
  const [first, ...rest] = request.members;
  const destroyers: (() => void)[] = [];
  const open = async (members: VoiceMember[]) => {
    if (request.side === 'ours') {
      const connections = await connectOurs(members, request.caPem);
      destroyers.push(...connections.map((c) => () => c.destroy()));
    } else {
      const connections = members.map((member) => joinAnchorAs(member, { daveEncryption: false }));
      await Promise.all(connections.map((c) => entersState(c, VoiceConnectionStatus.Ready, 30_000)));
      destroyers.push(...connections.map((c) => () => c.destroy()));
    }
  };
  await open([first!]);
  await new Promise((r) => setTimeout(r, 300));
  gc();
  const before = process.memoryUsage();
  await open(rest);
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const after = process.memoryUsage();
  send({
    type: 'memory',
    heap: (after.heapUsed - before.heapUsed) / rest.length / 1024,
    external: (after.external - before.external) / rest.length / 1024,
    ready: rest.length,
  });
  for (const destroy of destroyers) destroy();
}

/** Members in pairs: each plays frames stamped with the send-side clock; the peer measures the age. */
async function relay(request: Extract<Request, { type: 'relay' }>): Promise<void> {
  const connections = await connectOurs(request.members, request.caPem);
  // The first second is left out: until a peer's SPEAKING maps its SSRC, frames wait in a stash.
  const measureFrom = performance.now() + 1000;
  const latencies: number[] = [];
  let sent = 0;
  let received = 0;
  for (const connection of connections) {
    connection.on('frame', (frame) => {
      const opus = frame.opus;
      if (!opus || opus.length < 16 || opus[0] !== 0xbe) return;
      received++;
      const stamp = new DataView(opus.buffer, opus.byteOffset, opus.byteLength).getFloat64(8);
      if (stamp >= measureFrom) latencies.push(performance.now() - stamp);
    });
    void connection.play(() => {
      const frame = new Uint8Array(120);
      frame[0] = 0xbe; // marker: not a silence frame, not anything the receiver would skip
      new DataView(frame.buffer).setFloat64(8, performance.now());
      sent++;
      return frame;
    });
  }
  await new Promise((r) => setTimeout(r, 1000 + request.seconds * 1000));
  for (const c of connections) c.stopPlaying();
  await new Promise((r) => setTimeout(r, 200));
  send({ type: 'relay', latencies, sent, received });
  for (const c of connections) c.destroy();
}

/** A 120-byte payload that is neither the silence frame nor anything a receiver would skip. */
function mediaFrame(n: number): Buffer {
  const frame = Buffer.alloc(120, n & 0xff);
  frame[0] = 0xbe;
  return frame;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CPU of this process over `seconds` once every pair shares a DAVE group and media flows both ways. */
async function e2ee(request: Extract<Request, { type: 'e2ee' }>): Promise<void> {
  const { members } = request;
  const partner = (i: number) => members[i ^ 1]!;
  let sent = 0;
  let received = 0;
  const stops: (() => void)[] = [];
  if (request.side === 'ours') {
    const connections = await connectOurs(members, request.caPem);
    stops.push(...connections.map((c) => () => c.destroy()));
    await until(
      () =>
        connections.every(
          (c, i) => c.voicePrivacyCode !== '' && c.voicePrivacyCode === connections[i ^ 1]!.voicePrivacyCode,
        ),
      30_000,
      'DAVE groups (ours)',
    );
    connections.forEach((c, i) => {
      c.on('frame', (f) => {
        if (f.userId === partner(i).userId && f.opus && f.opus[0] === 0xbe) received++;
      });
      void c.play(() => mediaFrame(sent++));
    });
  } else {
    const connections = members.map((member) =>
      joinAnchorAs(member, {
        daveEncryption: true,
        // One process holds both members of a guild: @discordjs/voice keys connections by group.
        group: member.userId,
      }),
    );
    stops.push(...connections.map((c) => () => c.destroy()));
    await Promise.all(connections.map((c) => entersState(c, VoiceConnectionStatus.Ready, 30_000)));
    await until(
      () =>
        connections.every(
          (c, i) =>
            c.voicePrivacyCode !== undefined && c.voicePrivacyCode === connections[i ^ 1]!.voicePrivacyCode,
        ),
      30_000,
      'DAVE groups (@discordjs/voice)',
    );
    connections.forEach((c, i) => {
      const stream = c.receiver.subscribe(partner(i).userId, { end: { behavior: EndBehaviorType.Manual } });
      stream.on('data', (chunk: Buffer) => {
        if (chunk[0] === 0xbe) received++;
      });
      const player = createAudioPlayer();
      c.subscribe(player);
      const source = new Readable({
        objectMode: true,
        read() {
          this.push(mediaFrame(sent++));
        },
      });
      player.play(createAudioResource(source, { inputType: StreamType.Opus }));
      stops.push(() => player.stop(true));
    });
  }
  // Warm-up: speaking maps SSRCs and every member has executed its transition.
  await new Promise((r) => setTimeout(r, 2000));
  const sentBefore = sent;
  const receivedBefore = received;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await new Promise((r) => setTimeout(r, request.seconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  send({
    type: 'e2ee',
    cpuMs: (cpu.user + cpu.system) / 1000,
    connectionSeconds: members.length * wall,
    sent: sent - sentBefore,
    received: received - receivedBefore,
  });
  for (const stop of stops.reverse()) stop();
}

process.on('message', (request: Request) => {
  const run =
    request.type === 'memory' ? memory(request) : request.type === 'relay' ? relay(request) : e2ee(request);
  run.then(
    () => setTimeout(() => process.exit(0), 100),
    (e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      setTimeout(() => process.exit(1), 100);
    },
  );
});
send({ type: 'started' });
