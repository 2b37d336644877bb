// A child process running @discordjs/voice against the emulator. It runs in its own process
// because NODE_EXTRA_CA_CERTS (the emulator's self-signed certificate) is read only at start.
// The parent plays the main gateway: op 4 goes up over IPC, the two voice updates come back.
import { Readable } from 'node:stream';
import {
  createAudioPlayer,
  createAudioResource,
  EndBehaviorType,
  entersState,
  joinVoiceChannel,
  StreamType,
  VoiceConnectionStatus,
} from '@discordjs/voice';

const { guildId, channelId, daveEncryption = false } = JSON.parse(process.argv[2]);
let methods;
const connection = joinVoiceChannel({
  guildId,
  channelId,
  selfDeaf: false,
  daveEncryption,
  adapterCreator: (m) => {
    methods = m;
    return {
      sendPayload: (payload) => {
        process.send({ type: 'op4', payload });
        return true;
      },
      destroy: () => {},
    };
  },
});
connection.on('error', (e) => process.send({ type: 'log', line: `error ${e.message}` }));
connection.on('stateChange', (o, n) =>
  process.send({ type: 'log', line: `djs state ${o.status} -> ${n.status}` }),
);

function frameIndex(buf) {
  if (buf.length !== 40 || buf[0] !== 0xfc) return undefined;
  return buf.readUInt32BE(1);
}
function syntheticFrame(i) {
  const f = Buffer.alloc(40);
  f[0] = 0xfc;
  f.writeUInt32BE(i, 1);
  for (let k = 5; k < 40; k++) f[k] = (i * 31 + k) & 0xff;
  return f;
}

connection.on('transitioned', (id) => process.send({ type: 'log', line: `djs transitioned ${id}` }));

process.on('message', async (msg) => {
  if (msg.type === 'dave') {
    // What @discordjs/voice's own DAVE session says (its networking state holds it).
    const dave = connection.state.networking?.state?.dave;
    process.send({
      type: 'dave',
      protocolVersion: dave?.protocolVersion ?? 0,
      privacyCode: connection.voicePrivacyCode ?? '',
    });
    return;
  }
  if (msg.type === 'voiceState') methods.onVoiceStateUpdate(msg.data);
  else if (msg.type === 'voiceServer') methods.onVoiceServerUpdate(msg.data);
  else if (msg.type === 'listen') {
    const heard = [];
    const stream = connection.receiver.subscribe(msg.userId, { end: { behavior: EndBehaviorType.Manual } });
    stream.on('data', (chunk) => {
      // Real Opus goes back whole (base64), for the parent to compare with what it sent.
      if (msg.raw) return process.send({ type: 'packet', packet: chunk.toString('base64') });
      const i = frameIndex(chunk);
      if (i === undefined) return;
      heard.push(i);
      process.send({ type: 'heard', heard });
    });
    process.send({ type: 'listening' });
  } else if (msg.type === 'play') {
    const player = createAudioPlayer();
    connection.subscribe(player);
    const frames = msg.packets
      ? msg.packets.map((b64) => Buffer.from(b64, 'base64'))
      : Array.from({ length: msg.count }, (_, i) => syntheticFrame(i));
    player.play(createAudioResource(Readable.from(frames), { inputType: StreamType.Opus }));
    player.on('stateChange', (_o, n) => {
      if (n.status === 'idle') process.send({ type: 'played' });
    });
  } else if (msg.type === 'leave') {
    connection.destroy();
    process.exit(0);
  }
});

try {
  await entersState(connection, VoiceConnectionStatus.Ready, 15_000);
  process.send({ type: 'ready' });
} catch (e) {
  process.send({ type: 'log', line: `not ready: ${e.message}` });
  process.exit(1);
}
