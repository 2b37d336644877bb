/**
 * Child-process entry (forked by the audio suite): N voice connections of one library against
 * the emulator's voice server (which stays in the parent), each playing the same input, and the
 * CPU this process spends per connection while they play. One request over IPC:
 *   { type: 'play', side, mode, members, caPem, input, seconds }
 *   → { type: 'play', cpuMsPerSecond, packets }
 * mode 'passthrough': an Ogg Opus file (ours: AudioPlayer passes packets through; theirs:
 * createAudioResource with StreamType.OggOpus). mode 'pcm': 48 kHz s16le stereo through the
 * Opus encoder (ours: AudioPlayer type 'pcm'; theirs: StreamType.Raw). Both loop the input.
 */
import { createReadStream } from 'node:fs';
import {
  AudioPlayerStatus,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
} from '@discordjs/voice';
import { AudioPlayer } from '@cordwire/audio';
import { type VoiceAdapterCreator, joinVoiceChannel as joinOurs } from '@cordwire/voice-ws';
import { adapterFor, joinAnchorAs, type VoiceMember } from '../voice/voiceMember.js';

interface PlayRequest {
  type: 'play';
  side: 'ours' | 'anchor';
  /** 'floor': ours without a player, a fixed 120-byte frame every tick (the transport's own cost). */
  mode: 'passthrough' | 'pcm' | 'floor';
  members: VoiceMember[];
  caPem: string;
  /** Path of the Ogg Opus file (passthrough) or raw PCM file (pcm). */
  input: string;
  seconds: number;
}

const send = (message: unknown) => process.send?.(message);

async function startOurs(request: PlayRequest): Promise<{ packets: () => number; stop: () => void }> {
  const connections = request.members.map((member) =>
    joinOurs({
      guildId: member.guildId,
      channelId: member.channelId,
      adapterCreator: adapterFor(member) as unknown as VoiceAdapterCreator,
      ca: request.caPem,
      maxDaveProtocolVersion: 0,
    }),
  );
  await Promise.all(connections.map((c) => c.ready(30_000)));
  const frame = new Uint8Array(120).fill(7);
  frame[0] = 0xfc;
  const players = connections.map((connection) => {
    if (request.mode === 'floor') {
      void connection.play(() => frame);
      return undefined;
    }
    const player = new AudioPlayer({ backend: 'wasm' });
    player.enqueue(
      request.input,
      request.mode === 'pcm' ? { type: 'pcm', loop: true } : { type: 'ogg', loop: true },
    );
    // undefined: nothing this tick (see frameSource.ts FramePull); the public type names only null.
    void connection.play((() => player.nextFrame()) as () => Uint8Array | null);
    return player;
  });
  return {
    packets: () => connections.reduce((n, c) => n + c.stats.packetsSent, 0),
    stop: () => {
      for (const p of players) p?.destroy();
      for (const c of connections) c.destroy();
    },
  };
}

async function startAnchor(request: PlayRequest): Promise<{ packets: () => number; stop: () => void }> {
  const connections = request.members.map((member) => joinAnchorAs(member, { daveEncryption: false }));
  await Promise.all(connections.map((c) => entersState(c, VoiceConnectionStatus.Ready, 30_000)));
  let played = 0;
  const players = connections.map((connection) => {
    const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
    const next = () =>
      player.play(
        createAudioResource(createReadStream(request.input), {
          inputType: request.mode === 'pcm' ? StreamType.Raw : StreamType.OggOpus,
        }),
      );
    player.on(AudioPlayerStatus.Idle, next);
    player.on('error', () => {});
    connection.subscribe(player);
    next();
    return player;
  });
  return {
    packets: () => {
      played = 0;
      for (const c of connections) {
        const state = c.state as { networking?: { state?: { connectionData?: { packetsPlayed?: number } } } };
        played += state.networking?.state?.connectionData?.packetsPlayed ?? 0;
      }
      return played;
    },
    stop: () => {
      for (const p of players) p.stop(true);
      for (const c of connections) c.destroy();
    },
  };
}

async function play(request: PlayRequest): Promise<void> {
  const session = request.side === 'ours' ? await startOurs(request) : await startAnchor(request);
  // Three seconds to get past start-up (file opened, SPEAKING, first frames) and to let V8 tier
  // the WASM codec up: the first few hundred frames encode several times slower than later ones.
  await new Promise((r) => setTimeout(r, 3000));
  const packetsBefore = session.packets();
  const before = process.cpuUsage();
  const startedAt = performance.now();
  await new Promise((r) => setTimeout(r, request.seconds * 1000));
  const used = process.cpuUsage(before);
  const elapsed = (performance.now() - startedAt) / 1000;
  const packets = session.packets() - packetsBefore;
  session.stop();
  send({
    type: 'play',
    cpuMsPerSecond: (used.user + used.system) / 1000 / elapsed / request.members.length,
    packetsPerSecond: packets / elapsed / request.members.length,
  });
}

process.on('message', (request: PlayRequest) => {
  play(request).then(
    () => setTimeout(() => process.exit(0), 100),
    (e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      setTimeout(() => process.exit(1), 100);
    },
  );
});
send({ type: 'started' });
