/**
 * cordwire's main job: a bot in a voice channel of the embedded emulator.
 *
 * 1. Starts a local Discord (REST + gateway + voice gateway over wss + UDP media relay).
 * 2. The bot logs in through @cordwire/gateway's ShardManager, joins the voice channel with
 *    op 4, and brings up a @cordwire/voice-ws VoiceConnection (its adapter is our gateway).
 * 3. A second member (the seed's user "alice") joins the same channel and records what she hears.
 * 4. The channel requires E2EE (as on Discord): both connections speak DAVE (on by default), form
 *    one MLS group with the emulator as the external sender, and the demo prints the voice
 *    privacy code and the verification code they share.
 * 5. The bot plays numbered Opus packets for a few seconds; the demo checks that every one
 *    arrived, in order and intact (DAVE-decrypted: the listener sees plain Opus), then writes the
 *    recording and prints the counters.
 *
 * The packets are synthetic (an Opus TOC byte for 20 ms CELT frames, then a numbered body):
 * no Opus encoder is involved, and what is measured is the transport, not audio quality.
 *
 *   npm run demo                    # from the repo root, on a fresh machine
 *   npm run demo -- --seconds 10    # play longer
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSeed, startEmulator, startVoiceServer } from '@cordwire/emulator';
import { ShardManager } from '@cordwire/gateway';
import { GatewayIntentBits } from '@cordwire/opcodes';
import {
  joinVoiceChannel,
  type VoiceAdapterCreator,
  type VoiceAdapterLibraryMethods,
  type VoiceConnection,
} from '@cordwire/voice-ws';

const seconds = Number(argValue('--seconds') ?? 5);
const FRAMES = Math.max(1, Math.round((seconds * 1000) / 20));

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function log(line: string): void {
  console.log(`[demo] ${line}`);
}

/** 20 ms Opus packet: TOC 0xFC (CELT fullband, 20 ms, mono, one frame), then the frame number. */
function syntheticOpus(n: number): Uint8Array {
  const packet = new Uint8Array(120);
  packet[0] = 0xfc;
  new DataView(packet.buffer).setUint32(1, n);
  for (let i = 5; i < packet.length; i++) packet[i] = (n * 31 + i) & 0xff;
  return packet;
}

async function main(): Promise<void> {
  const guild = defaultSeed.guilds![0]!;
  const guildId = guild.id;
  const voiceChannel = guild.channels!.find((c) => c.type === 'voice')!;
  const listenerId = defaultSeed.users![0]!.id;

  const voice = await startVoiceServer();
  const emu = await startEmulator({ voice });
  log(`emulator: REST ${emu.restUrl}, gateway ${emu.gatewayUrl}`);

  // The bot: main gateway first.
  const manager = new ShardManager({
    token: emu.token,
    intents: GatewayIntentBits.GUILDS | GatewayIntentBits.GUILD_VOICE_STATES,
    restUrl: emu.restUrl,
  });
  let botUserId = '';
  const adapters = new Map<string, VoiceAdapterLibraryMethods>();
  manager.on('ready', ({ shardId, data }) => {
    botUserId = (data as { user: { id: string } }).user.id;
    log(`shard ${shardId} ready as user ${botUserId}`);
  });
  manager.on('dispatch', ({ t, d }) => {
    const data = d as { guild_id?: string; user_id?: string };
    const methods = data.guild_id ? adapters.get(data.guild_id) : undefined;
    if (!methods) return;
    if (t === 'VOICE_STATE_UPDATE' && data.user_id === botUserId) methods.onVoiceStateUpdate(d as never);
    if (t === 'VOICE_SERVER_UPDATE') methods.onVoiceServerUpdate(d as never);
  });
  manager.on('fatal', ({ error }) => {
    console.error(`[demo] gateway: ${error.message}`);
    process.exitCode = 1;
  });
  await manager.connect();

  const botAdapter: VoiceAdapterCreator = (methods) => {
    adapters.set(guildId, methods);
    return {
      sendPayload: (payload) => {
        const shard = manager.shard(manager.shardIdForGuild(guildId));
        if (!shard) return false;
        shard.updateVoiceState(payload.d);
        return true;
      },
      destroy: () => adapters.delete(guildId),
    };
  };
  const bot = joinVoiceChannel({
    guildId,
    channelId: voiceChannel.id,
    adapterCreator: botAdapter,
    ca: voice.caPem,
  });

  // The listener: a simulated member who gets her voice server straight from the emulator.
  const listenerAdapter: VoiceAdapterCreator = (methods) => ({
    sendPayload: ({ d }) => {
      if (d.channel_id === null) return true;
      const sessionId = `demo-listener-${process.pid}`;
      Promise.resolve(
        voice.allocate({ guildId, channelId: d.channel_id, userId: listenerId, sessionId }),
      ).then(({ endpoint, token }) => {
        methods.onVoiceStateUpdate({ session_id: sessionId, user_id: listenerId, channel_id: d.channel_id });
        methods.onVoiceServerUpdate({ token, guild_id: guildId, endpoint });
      });
      return true;
    },
    destroy: () => {},
  });
  const listener = joinVoiceChannel({
    guildId,
    channelId: voiceChannel.id,
    adapterCreator: listenerAdapter,
    ca: voice.caPem,
  });

  await Promise.all([bot.ready(15_000), listener.ready(15_000)]);
  log(`bot and listener are in #${voiceChannel.name} (bot ssrc ${bot.ssrc}, listener ssrc ${listener.ssrc})`);

  // E2EE: frames go out only once the bot has its DAVE send key, so wait for the shared group.
  await waitFor(
    () => bot.voicePrivacyCode !== '' && bot.voicePrivacyCode === listener.voicePrivacyCode,
    10_000,
  );
  if (bot.voicePrivacyCode === '') throw new Error('DAVE: bot and listener did not form an E2EE group');
  log(`E2EE on: DAVE protocol v${bot.daveProtocolVersion}`);
  log(`voice privacy code: ${groupsOfFive(bot.voicePrivacyCode)}`);
  log(`bot <-> listener verification code: ${groupsOfFive(await bot.getVerificationCode(listenerId))}`);

  const recording: Uint8Array[] = [];
  let lostSlots = 0;
  listener.on('frame', (frame) => {
    if (frame.userId !== botUserId) return;
    if (frame.opus === null) lostSlots++;
    else if (frame.opus.length > 3) recording.push(frame.opus);
  });

  log(`playing ${FRAMES} Opus packets (${seconds} s at 20 ms)`);
  const frames = Array.from({ length: FRAMES }, (_, n) => syntheticOpus(n));
  await bot.play(frames);
  await waitFor(() => recording.length >= FRAMES, 3_000);

  const verdict = check(recording, FRAMES);
  const file = join(tmpdir(), `cordwire-demo-${process.pid}.opus-frames`);
  writeFileSync(file, lengthPrefixed(recording));
  log(`listener recorded ${recording.length}/${FRAMES} packets, ${lostSlots} lost slots: ${verdict}`);
  log(`recording (u16 length + packet, repeated) written to ${file}`);
  log(
    `bot sent ${bot.stats.packetsSent} datagrams; listener receiver stats ${JSON.stringify(listener.stats.receiver)}`,
  );
  const heard = listener.daveStats?.receive.get(botUserId);
  log(
    `DAVE: bot encrypted ${bot.daveStats?.encrypted ?? 0} frames; listener decrypted ${heard?.decrypted ?? 0}, failed ${heard?.failed ?? 0}`,
  );

  await teardown([bot, listener], manager, emu, voice);
  if (verdict !== 'complete, in order, intact') process.exitCode = 1;
}

function groupsOfFive(code: string): string {
  return code.match(/.{1,5}/g)?.join(' ') ?? '';
}

function check(recording: readonly Uint8Array[], expected: number): string {
  if (recording.length !== expected) return `INCOMPLETE (${expected - recording.length} missing)`;
  for (let n = 0; n < expected; n++) {
    const got = recording[n]!;
    const want = syntheticOpus(n);
    if (got.length !== want.length || got.some((b, i) => b !== want[i]))
      return `CORRUPT or out of order at #${n}`;
  }
  return 'complete, in order, intact';
}

function lengthPrefixed(packets: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(packets.reduce((sum, p) => sum + 2 + p.length, 0));
  let at = 0;
  for (const p of packets) {
    out[at++] = p.length >> 8;
    out[at++] = p.length & 0xff;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

async function teardown(
  connections: VoiceConnection[],
  manager: ShardManager,
  emu: { close(): Promise<void> },
  voice: { close(): Promise<void> },
): Promise<void> {
  for (const c of connections) c.destroy();
  manager.destroy();
  await emu.close();
  await voice.close();
  log('closed everything');
}

main().catch((error: unknown) => {
  console.error('[demo] failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
