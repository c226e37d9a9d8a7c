import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): where the server's CPU time went,
 * by function (self and inclusive) and by source file or package.
 *
 *   npx tsx bench/profile/top-functions.ts bench/results/profiles/<run>/<file>.cpuprofile [--top 25]
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function where(frame: CallFrame): string {
  if (!frame.url) return `(${frame.functionName || 'native'})`;
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

function label(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber + 1}`;
}

export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);

  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    selfByFunction.set(label(frame), (selfByFunction.get(label(frame)) ?? 0) + ms);
    selfByFile.set(where(frame), (selfByFile.get(where(frame)) ?? 0) + ms);
  }

  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = label(byId.get(cur)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }

  const busy = total - idle;
  const list = (title: string, map: Map<string, number>): string => {
    const rows = [...map.entries()]
      .filter(([name]) => !name.startsWith('(idle)') && !name.startsWith('(root)') && !name.startsWith('(program)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((ms / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
    return `\n${title}\n${rows.join('\n')}`;
  };
  return [
    `profile: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%); percentages are of busy time`,
    list('self time by file or package', selfByFile),
    list('self time by function', selfByFunction),
    list('inclusive time by function', inclusive),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile/top-functions.ts <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
  process.stdout.write(`${summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top)}\n`);
}
