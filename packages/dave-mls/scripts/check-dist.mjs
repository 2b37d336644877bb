// Runs after `pnpm build`: the published bundle must carry our ts-mls patch set and no import of the
// stock ts-mls, and must work on its own (a two-member DAVE group through the bundled code).
import { readFileSync } from 'node:fs';

const js = readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8');
const required = {
  'external_senders as an RFC 9420 vector':
    'decodeVarLenType(decodeExternalSender)(externalSenderExtension.extensionData, 0)',
  'unmerged_leaves rule of RFC 9420 12.4.3.1': 'unmergedLeaves.includes(unmergedLeaf)',
  'self-removal decided from Remove proposals':
    'grouped.remove.some(({ proposal }) => proposal.remove.removed === state.privatePath.leafIndex)',
};
const failures = Object.entries(required)
  .filter(([, code]) => !js.includes(code))
  .map(([what]) => what);
if (/from\s*["']ts-mls/.test(js) || /import\(["']ts-mls/.test(js)) failures.push('dist still imports ts-mls');
if (failures.length) {
  console.error(`dist check failed: ${failures.join('; ')}`);
  process.exit(1);
}

const { DaveSession, ExternalSender } = await import('../dist/index.js');
const gateway = new ExternalSender();
const a = new DaveSession(1, '1001', '42');
const b = new DaveSession(1, '1002', '42');
await a.setExternalSender(gateway.package);
await b.setExternalSender(gateway.package);
const add = gateway.proposeAdd('42', 0, await b.getSerializedKeyPackage());
const { commit, welcome } = await a.processProposals(0, ExternalSender.appendPayload([add]).subarray(1), [
  '1002',
]);
await a.processCommit(commit);
await b.processWelcome(welcome);
const frame = a.encryptOpus(Uint8Array.of(0x78, 1, 2, 3));
const plain = b.decrypt('1001', 0, frame);
if (a.voicePrivacyCode !== b.voicePrivacyCode || plain.length !== 4) {
  console.error('dist check failed: bundled DaveSession does not work');
  process.exit(1);
}
console.log('dist check: patched ts-mls bundled, DaveSession works from dist');
