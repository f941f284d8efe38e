import crypto from 'node:crypto';

const ADJECTIVES = ['amber', 'brisk', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fair', 'fleet', 'gentle', 'glad', 'grand', 'hardy', 'keen', 'lively', 'lucid', 'merry', 'mellow', 'nimble', 'noble', 'plucky', 'proud', 'quick', 'quiet', 'rapid', 'sly', 'steady', 'sunny', 'swift', 'tidy', 'vivid', 'witty'];
const NOUNS = ['badger', 'bison', 'crane', 'dingo', 'eagle', 'falcon', 'ferret', 'gecko', 'heron', 'ibis', 'jaguar', 'koala', 'lemur', 'lynx', 'marten', 'moose', 'newt', 'ocelot', 'orca', 'otter', 'panda', 'puffin', 'quail', 'raven', 'seal', 'stoat', 'tapir', 'toucan', 'viper', 'walrus', 'wombat', 'yak'];

/** A friendly default run name such as `swift-otter-417` (MLflow does the same). */
export function newRunName(): string {
  const r = crypto.randomBytes(4);
  return `${ADJECTIVES[r[0] % ADJECTIVES.length]}-${NOUNS[r[1] % NOUNS.length]}-${((r[2] << 8) | r[3]) % 1000}`;
}
